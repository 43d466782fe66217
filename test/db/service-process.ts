/**
 * `mailroom start` as a real child process, for tests and benchmarks that kill it with SIGKILL.
 *
 * With `noReaper`, the service runs under a parent that never reaps (python3 marking itself
 * the children's subreaper, then never calling wait()): the stand-in for a container whose PID 1
 * does not reap orphans. A postmaster killed together with the service then stays a zombie whose
 * pid still "exists" (kill(pid, 0) succeeds), as in the reported failure. Stopping the wrapper
 * hands its zombies to the real PID 1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/shared.ts';

// PR_SET_CHILD_SUBREAPER is 36 on every Linux architecture.
const NO_REAPER = `
import ctypes, os, signal, sys
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0: sys.exit(3)
pid = os.fork()
if pid == 0: os.execvp(sys.argv[1], sys.argv[1:])
print(pid, flush=True)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
while True: signal.pause()
`;

/** A parent that does not reap can be made here (Linux with python3). */
export const canLeaveZombies = process.platform === 'linux' && spawnSync('python3', ['-c', 'import ctypes'], { stdio: 'ignore' }).status === 0;

export interface ServiceProcess {
  /** The service's own pid (not the wrapper's). */
  pid: number;
  port: number;
  /** Everything it wrote to stderr (its JSON log lines). */
  log(): string;
  exited: Promise<void>;
  /** SIGKILL the service and, with `withPostgres`, the postmaster of its data dir in the same instant. */
  killHard(options: { withPostgres: boolean; dataDir: string }): { postmasterPid: number | undefined };
  /** SIGTERM and wait for the orderly shutdown; then the wrapper goes. */
  stop(): Promise<void>;
}

export async function startServiceProcess(options: { dataDir: string; port: number; env?: Record<string, string>; noReaper?: boolean }): Promise<ServiceProcess> {
  const bin = path.join(repoRoot, 'bin', 'mailroom.js');
  const env = { ...process.env, MAILROOM_DATA_DIR: options.dataDir, PORT: String(options.port), DATABASE_URL: '', LOG_LEVEL: 'info', ...options.env };
  const wrapped = options.noReaper ?? false;
  const child: ChildProcess = wrapped
    ? spawn('python3', ['-c', NO_REAPER, process.execPath, bin, 'start'], { cwd: options.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [bin, 'start'], { cwd: options.dataDir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const childExit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = wrapped
    ? await new Promise<number>((resolve, reject) => {
        child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
        child.once('exit', (code) => reject(new Error(`the no-reaper wrapper exited (${code}): ${stderr}`)));
      })
    : child.pid!;
  // Under the wrapper the service is its child: alive until it is a zombie or gone.
  const exited = wrapped
    ? (async () => {
        while (!['Z', 'X', undefined].includes(procState(pid))) await new Promise((r) => setTimeout(r, 50));
      })()
    : childExit;
  const stopWrapper = async () => {
    if (wrapped && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await childExit;
  };
  return {
    pid,
    port: options.port,
    log: () => stderr,
    exited,
    killHard({ withPostgres, dataDir }) {
      const postmasterPid = withPostgres ? postmasterOf(dataDir) : undefined;
      if (postmasterPid) process.kill(postmasterPid, 'SIGKILL');
      process.kill(pid, 'SIGKILL');
      return { postmasterPid };
    },
    async stop() {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      await stopWrapper();
    },
  };
}

/** Whichever wrapper held zombies: stopping it lets PID 1 reap them. */
export function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

export function postmasterOf(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!fs.existsSync(file)) return undefined;
  const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function healthz(port: number): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: await res.json() };
  } catch {
    return undefined;
  }
}

/** Resolves with the time it took once /healthz says 200; throws past the deadline with the log's tail. */
export async function waitHealthy(service: ServiceProcess, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const h = await healthz(service.port);
    if (h?.status === 200) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`service not healthy after ${timeoutMs} ms (last: ${JSON.stringify(h)}): ${service.log().slice(-3000)}`);
    if (['Z', 'X', undefined].includes(procState(service.pid))) throw new Error(`service exited: ${service.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A support request the offline rules classify as technical and the example knowledge base
 * answers ("export a report as CSV"), distinct by Message-ID, sender and subject.
 */
export function supportMail(tag: string, n: number): string {
  return [
    `From: Customer ${n} <customer${n}@${tag}.example>`,
    'To: support@mailroom.example',
    `Subject: How do I export a report as CSV? (${tag} ${n})`,
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    `Message-ID: <${tag}-${n}@${tag}.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello, I need to export the monthly report to CSV for our accountant. Where do I find the export button?',
    `Thanks, customer ${n}`,
    '',
  ].join('\r\n');
}

/** A request the knowledge base answers (password reset) in a category policy does not auto-send: it waits for a person. */
export function accountMail(tag: string, n: number): string {
  return [
    `From: Account holder ${n} <holder${n}@${tag}-accounts.example>`,
    'To: support@mailroom.example',
    `Subject: I cannot log in, please reset my password (${tag} ${n})`,
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    `Message-ID: <${tag}-account-${n}@${tag}-accounts.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hi, I forgot my password and cannot log in to my account. How do I reset my password?',
    `Regards, holder ${n}`,
    '',
  ].join('\r\n');
}

/** Writes the mail as <name>.eml.tmp, then renames it: the folder source ignores *.tmp. */
export function dropMail(inbox: string, name: string, text: string): void {
  fs.mkdirSync(inbox, { recursive: true });
  const tmp = path.join(inbox, `${name}.eml.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path.join(inbox, `${name}.eml`));
}
