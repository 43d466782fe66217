/**
 * Shared settings of the fuzz tests. In `npm test` every property runs a small fixed-seed
 * subset (the same inputs every time, a few seconds a file); `npm run fuzz` (test/fuzz/run.ts)
 * sets MAILROOM_FUZZ_SCALE to run each property that many times longer, with a fresh seed
 * (MAILROOM_FUZZ_SEED to replay one). fast-check prints the seed and path of a failure; a
 * failure found that way is kept in the property's `examples` as a regression case.
 */
import fc from 'fast-check';
import http from 'node:http';

const FIXED_SEED = 20261201;
const scale = Math.max(1, Number(process.env.MAILROOM_FUZZ_SCALE) || 1);
export const longRun = scale > 1;
const seed = process.env.MAILROOM_FUZZ_SEED ? Number(process.env.MAILROOM_FUZZ_SEED) : longRun ? Date.now() % 2 ** 31 : FIXED_SEED;

/** A suite's time limit: as given in the fixed subset, none in a long run. */
export const suiteTimeout = (ms: number) => (longRun ? Infinity : ms);

/**
 * fast-check parameters: `runs` in the fixed subset (times the scale in a long run), and a time
 * limit per run, past which the run counts as a hang and fails the property.
 */
export function fuzzParameters<T>(runs: number, timeLimitMs: number, examples: T[] = []): fc.Parameters<T> {
  return { seed, numRuns: runs * scale, examples, plugins: [fc.timeout(timeLimitMs)], endOnFailure: longRun };
}

/**
 * Records uncaught exceptions and unhandled rejections while a fuzz test runs: either is a
 * crash of the code under test even when the call itself returned.
 */
export function watchCrashes(): { crashes: string[]; stop(): void } {
  const crashes: string[] = [];
  const onError = (err: unknown) => crashes.push(`uncaught: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  const onRejection = (err: unknown) => crashes.push(`unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onRejection);
  return {
    crashes,
    stop() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onRejection);
    },
  };
}

/** The call's outcome, or a rejection when it takes longer than `ms` (a hang); its own rejection passes through. */
export async function within<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const started = Date.now();
  try {
    const result = await Promise.race([work(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} hung: no answer after ${ms} ms`)), ms)))]);
    // A synchronous stall cannot be interrupted by the timer, but is still caught here.
    if (Date.now() - started > ms) throw new Error(`${what} took ${Date.now() - started} ms, over its limit of ${ms} ms`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One POST on a connection of its own, answering with the status and body. After an early answer
 * (413 while the body is still being sent) the server drops that connection; a client reusing it
 * would report a reset that says nothing about the next input.
 */
export function postOnce(url: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    const target = new URL(url);
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      status = res.statusCode;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    // An answer that arrived before the whole body was written is still the answer.
    req.on('error', (err) => (status ? resolve({ status, body: '' }) : reject(err)));
    req.end(body);
  });
}
