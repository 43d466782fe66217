/**
 * A real CalDAV server for tests: Debian's `radicale` on a loopback port with its storage in a
 * temporary folder and htpasswd (plain) authentication for one user. Stopped (and waited for, as
 * PID 1 here reaps no orphans) by close().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const RADICALE_BIN = ['/usr/bin/radicale', '/usr/local/bin/radicale'].find((p) => fs.existsSync(p)) ?? null;

export interface Radicale {
  url: string;
  user: string;
  password: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRadicale(options: { user?: string; password?: string } = {}): Promise<Radicale> {
  if (!RADICALE_BIN) throw new Error('radicale is not installed (Debian package radicale)');
  const user = options.user ?? 'hr';
  const password = options.password ?? 'secret';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-radicale-'));
  fs.writeFileSync(path.join(dir, 'users'), `${user}:${password}\n`);
  const port = await freePort();
  const child: ChildProcess = spawn(RADICALE_BIN, [
    '--server-hosts', `127.0.0.1:${port}`,
    '--storage-filesystem-folder', path.join(dir, 'collections'),
    '--auth-type', 'htpasswd', '--auth-htpasswd-filename', path.join(dir, 'users'), '--auth-htpasswd-encryption', 'plain',
    '--rights-type', 'owner_only',
    '--logging-level', 'warning',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`radicale exited with ${child.exitCode}: ${stderr.slice(-500)}`);
    const ok = await fetch(`${url}/${user}/`, { method: 'PROPFIND', headers: { authorization: auth, depth: '0' } }).then((r) => r.status < 500).catch(() => false);
    if (ok) break;
    if (i > 100) {
      child.kill('SIGKILL');
      throw new Error(`radicale did not answer on ${url}: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    user,
    password,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether radicale can run here (for `skip`). */
export const radicaleMissing = RADICALE_BIN && spawnSync(RADICALE_BIN, ['--version']).status === 0 ? false : 'radicale is not installed (apt-get install radicale)';
