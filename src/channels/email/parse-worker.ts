/**
 * Worker thread entry for parse.ts: parses one message at a time and posts the result back.
 * Errors travel as { name, message } so the caller can rebuild an InputError.
 */
import { parentPort } from 'node:worker_threads';
import { parseEmailCore, type EmailLimits } from './parse-core.ts';

parentPort!.on('message', (task: { id: number; bytes: Uint8Array; limits: EmailLimits }) => {
  const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
  parseEmailCore(bytes, task.limits).then(
    (result) => parentPort!.postMessage({ id: task.id, ok: true, result }),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      parentPort!.postMessage({ id: task.id, ok: false, error: { name: e.name, message: e.message, code: (e as { code?: unknown }).code } });
    },
  );
});
