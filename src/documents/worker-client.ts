/**
 * One worker thread serving requests with a time limit each: a timer alone cannot stop a parser
 * stuck in a synchronous loop (pdf.js on a hostile PDF), terminating its thread can. A stopped or
 * crashed worker fails what it was doing with an InputError naming why, and the next request
 * starts a fresh one. Unref'd while idle, so it never holds the process open.
 *
 * Protocol: the worker gets `{ ...request, id }` and answers `{ id, ok, result?, error? }`.
 */
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.ts';

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

export interface WorkerClient {
  call<T>(request: Record<string, unknown>, timeoutMs: number): Promise<T>;
  stop(reason: string): void;
}

/** `what` names the work in errors ("reading the PDF took longer than…"). */
export function createWorkerClient(url: URL, options: { maxOldGenerationSizeMb: number; what: string; reader: string }): WorkerClient {
  let worker: Worker | undefined;
  const pending = new Map<number, Pending>();
  let nextId = 1;

  const stop = (reason: string): void => {
    const w = worker;
    worker = undefined;
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new InputError(reason));
      pending.delete(id);
    }
    void w?.terminate();
  };

  const start = (): Worker => {
    const w = new Worker(url, { resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } });
    w.unref();
    w.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: { name: string; message: string } }) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (!pending.size) w.unref();
      if (msg.ok) p.resolve(msg.result);
      else p.reject(Object.assign(new Error(msg.error?.message ?? 'unknown error'), { name: msg.error?.name ?? 'Error' }));
    });
    w.on('error', (err) => {
      if (worker === w) stop(/memory/i.test(String(err)) ? `${options.what} needs more memory than allowed` : `${options.reader} failed: ${err.message}`);
    });
    w.on('exit', (code) => {
      if (worker === w) stop(`${options.reader} stopped (code ${code})`);
    });
    return w;
  };

  return {
    call<T>(request: Record<string, unknown>, timeoutMs: number): Promise<T> {
      worker ??= start();
      const w = worker;
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => stop(`reading ${options.what} took longer than ${timeoutMs} ms: stopped`), timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        w.ref();
        w.postMessage({ ...request, id });
      });
    },
    stop,
  };
}

/** pdf.js errors as users should read them: encrypted, or corrupt with pdf.js's reason. */
export function pdfOpenError(err: unknown): InputError {
  if (err instanceof InputError) return err;
  const message = (err as Error).message ?? String(err);
  if (/password/i.test(message) || /Password/.test((err as Error).name ?? '')) return new InputError('the PDF is encrypted (password protected)', { cause: err });
  return new InputError(`corrupt or unreadable PDF: ${message}`, { cause: err });
}
