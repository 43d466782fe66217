/**
 * A real, throwaway Dovecot IMAP server for tests (Debian dovecot-imapd, run as root on a free
 * loopback port, plain LOGIN, maildir in a temp folder), from ../shared/recipes/dovecot-test.conf
 * (its config is inlined here when the recipe is absent).
 *
 *   const imap = await startDovecot({ users: [{ user: 'inbox@example.test', password: 'secret' }] });
 *   await imap.appendRaw('inbox@example.test', 'INBOX', bytes);   // or imap.append('INBOX', bytes) as the first user
 *   await imap.setUidValidity('inbox@example.test', 'INBOX', 424242);  // doveadm mailbox update
 *   await imap.stop();
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { repoRoot } from './shared.ts';

const run = promisify(execFile);
export const DOVECOT_BIN = [process.env.DOVECOT_BIN, '/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((p): p is string => Boolean(p && fs.existsSync(p)));
const DOVEADM = ['/usr/bin/doveadm', '/usr/local/bin/doveadm'].find((p) => fs.existsSync(p)) ?? 'doveadm';
const RECIPE = path.resolve(repoRoot, '..', 'shared', 'recipes', 'dovecot-test.conf');

const INLINE_CONF = `base_dir = @DIR@/run
state_dir = @DIR@/state
protocols = imap
listen = 127.0.0.1
ssl = no
first_valid_uid = 1
mail_uid = dovenull
mail_gid = dovenull
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = @DIR@/dovecot.log
mail_location = maildir:@DIR@/mail/%u
default_internal_user = dovenull
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u @DIR@/users
}
userdb {
  driver = static
  args = home=@DIR@/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = @PORT@
  }
  inet_listener imaps {
    port = 0
  }
}
`;

export interface DovecotUser {
  user: string;
  password: string;
}

export interface Dovecot {
  host: string;
  port: number;
  users: DovecotUser[];
  /** The first user (single-user tests). */
  user: string;
  password: string;
  dir: string;
  /** APPEND over IMAP as `user`; returns the new UID (0 when the server did not say). */
  appendRaw(user: string, mailbox: string, bytes: Buffer | string, flags?: string[]): Promise<number>;
  /** appendRaw as the first user. */
  append(mailbox: string, bytes: Buffer | string): Promise<number>;
  /** Changes a mailbox's UIDVALIDITY (doveadm mailbox update), as a server migration would. */
  setUidValidity(user: string, mailbox: string, uidValidity: number): Promise<void>;
  /** A connected imapflow client (auto-IDLE off); the caller logs out. */
  client(user?: string): Promise<ImapFlow>;
  /** UID and flags of every message in `mailbox`. */
  list(user: string, mailbox: string): Promise<Array<{ uid: number; flags: string[] }>>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForGreeting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('data', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not answer on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startDovecot(options: { users?: DovecotUser[] } = {}): Promise<Dovecot> {
  if (!DOVECOT_BIN) throw new Error('dovecot is not installed (Debian package dovecot-imapd)');
  const users = options.users?.length ? options.users : [{ user: 'inbox@example.test', password: 'secret' }];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-dovecot-'));
  fs.chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'mail']) fs.mkdirSync(path.join(dir, sub));
  fs.chmodSync(path.join(dir, 'mail'), 0o777);
  const port = await freePort();
  const template = fs.existsSync(RECIPE) ? fs.readFileSync(RECIPE, 'utf8') : INLINE_CONF;
  const confPath = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(confPath, template.replaceAll('@DIR@', dir).replaceAll('@PORT@', String(port)));
  fs.writeFileSync(path.join(dir, 'users'), users.map((u) => `${u.user}:{PLAIN}${u.password}`).join('\n') + '\n');

  // dovecot daemonises and its master keeps inherited pipes open: no piped stdio here.
  await new Promise<void>((resolve, reject) => {
    const child = spawn(DOVECOT_BIN, ['-c', confPath], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dovecot exited with ${code}; see ${dir}/dovecot.log`))));
  });
  try {
    await waitForGreeting(port, 10_000);
  } catch (err) {
    const logFile = path.join(dir, 'dovecot.log');
    throw new Error(`${(err as Error).message}\n${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : ''}`, { cause: err });
  }

  const passwordOf = (user: string) => {
    const u = users.find((x) => x.user === user);
    if (!u) throw new Error(`unknown test user ${user}`);
    return u.password;
  };
  const client = async (user = users[0]!.user) => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: passwordOf(user) }, logger: false, disableAutoIdle: true });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const appendRaw = async (user: string, mailbox: string, bytes: Buffer | string, flags: string[] = []) => {
    const c = await client(user);
    try {
      if (mailbox.toUpperCase() !== 'INBOX') await c.mailboxCreate(mailbox).catch(() => undefined);
      const r = await c.append(mailbox, typeof bytes === 'string' ? Buffer.from(bytes) : bytes, flags);
      return r && r.uid ? Number(r.uid) : 0;
    } finally {
      await c.logout().catch(() => c.close());
    }
  };

  return {
    host: '127.0.0.1',
    port,
    users,
    user: users[0]!.user,
    password: users[0]!.password,
    dir,
    client,
    appendRaw,
    append: (mailbox, bytes) => appendRaw(users[0]!.user, mailbox, bytes),
    async setUidValidity(user, mailbox, uidValidity) {
      await run(DOVEADM, ['-c', confPath, 'mailbox', 'update', '-u', user, '--uid-validity', String(uidValidity), mailbox]);
    },
    async list(user, mailbox) {
      const c = await client(user);
      try {
        const box = await c.mailboxOpen(mailbox);
        const out: Array<{ uid: number; flags: string[] }> = [];
        if (box.exists > 0) for await (const m of c.fetch('1:*', { uid: true, flags: true })) out.push({ uid: m.uid, flags: [...(m.flags ?? [])] });
        return out;
      } finally {
        await c.logout().catch(() => c.close());
      }
    },
    async stop() {
      const pidFile = path.join(dir, 'run', 'master.pid');
      const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) : undefined;
      if (pid) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        for (let i = 0; i < 100; i++) {
          try {
            process.kill(pid, 0);
            await new Promise((r) => setTimeout(r, 50));
          } catch {
            break;
          }
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP relay in front of a server that can go silent (freeze) without closing: for watchdog tests. */
export async function startFreezableProxy(targetPort: number): Promise<{ port: number; freeze(on: boolean): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((downstream) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(downstream).add(upstream);
    downstream.on('data', (d) => void (frozen || upstream.write(d)));
    upstream.on('data', (d) => void (frozen || downstream.write(d)));
    const end = () => {
      downstream.destroy();
      upstream.destroy();
      sockets.delete(downstream);
      sockets.delete(upstream);
    };
    downstream.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze(on) {
      frozen = on;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
