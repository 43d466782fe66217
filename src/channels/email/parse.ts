/**
 * Parsing API for workflows: `parseEmail(bytes, limits?)` → ParsedEmail, or an InputError that
 * names the limit or the parse failure.
 *
 * Hostile messages are bounded three ways: size, attachment count/size and MIME nesting depth are
 * checked (parse-core.ts), and every parse runs in a worker thread with a wall-clock limit and a
 * heap limit. A timer alone cannot stop a parser stuck in a synchronous loop on the main thread;
 * terminating the worker can. A timed-out or crashed worker is replaced for the next message.
 *
 *   parseEmail ─► queue ─► free worker ─► result | InputError
 *                              └─ over timeoutMs / out of memory ─► terminate, InputError, respawn
 */
import { Worker } from 'node:worker_threads';
import { InputError } from '../../errors.ts';
import { DEFAULT_LIMITS, parseEmailCore, type EmailLimits, type ParsedEmail } from './parse-core.ts';

export { DEFAULT_LIMITS, parseEmailCore };
export type { Address, CalendarPart, EmailLimits, ForwardInfo, ForwardedOriginal, ParsedAttachment, ParsedEmail } from './parse-core.ts';

interface Task {
  id: number;
  bytes: Buffer;
  limits: EmailLimits;
  resolve(v: ParsedEmail): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  timer: NodeJS.Timeout | undefined;
}

const WORKER_URL = new URL('./parse-worker.ts', import.meta.url);
const POOL_SIZE = Math.max(1, Number(process.env.EMAIL_PARSE_WORKERS ?? 1) || 1);
const HEAP_MB = 768;

let nextId = 1;
const queue: Task[] = [];
const slots: Slot[] = [];

function asBuffer(u: unknown): Buffer {
  if (Buffer.isBuffer(u)) return u;
  const v = u as Uint8Array;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Structured clone turns Buffers into Uint8Arrays; turn them back. */
function revive(result: ParsedEmail): ParsedEmail {
  for (const a of result.attachments) a.content = asBuffer(a.content);
  return result;
}

function spawn(): Slot {
  const slot: Slot = { worker: new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } }), task: undefined, timer: undefined };
  slot.worker.unref();
  slot.worker.on('message', (msg: { id: number; ok: boolean; result?: ParsedEmail; error?: { name: string; message: string } }) => {
    const task = slot.task;
    if (!task || task.id !== msg.id) return;
    finish(slot);
    if (msg.ok) task.resolve(revive(msg.result!));
    else if (msg.error?.name === 'InputError') task.reject(new InputError(msg.error.message));
    else task.reject(new InputError(`unparseable message: ${msg.error?.message ?? 'unknown error'}`));
    pump();
  });
  const die = (reason: string) => {
    const task = slot.task;
    remove(slot);
    if (task) {
      clearTimeout(slot.timer);
      task.reject(new InputError(reason));
    }
    pump();
  };
  slot.worker.on('error', (err) => die(/memory/i.test(String(err)) ? 'message needs more memory to parse than allowed' : `parser failed: ${err.message}`));
  slot.worker.on('exit', (code) => {
    if (slots.includes(slot)) die(`parser exited (code ${code})`);
  });
  slots.push(slot);
  return slot;
}

function remove(slot: Slot): void {
  const i = slots.indexOf(slot);
  if (i >= 0) slots.splice(i, 1);
}

function finish(slot: Slot): void {
  clearTimeout(slot.timer);
  slot.timer = undefined;
  slot.task = undefined;
  slot.worker.unref();
}

function pump(): void {
  while (queue.length) {
    let slot = slots.find((s) => !s.task);
    if (!slot && slots.length < POOL_SIZE) slot = spawn();
    if (!slot) return;
    const task = queue.shift()!;
    const s = slot;
    s.task = task;
    s.worker.ref();
    s.timer = setTimeout(() => {
      remove(s);
      void s.worker.terminate();
      task.reject(new InputError(`message took longer than ${task.limits.timeoutMs} ms to parse`));
      pump();
    }, task.limits.timeoutMs);
    s.worker.postMessage({ id: task.id, bytes: task.bytes, limits: task.limits });
  }
}

/**
 * Parses a raw RFC 822 message. Throws InputError when the message is over a limit or cannot be
 * parsed; never hangs longer than `limits.timeoutMs`.
 */
export function parseEmail(bytes: Buffer, limits: Partial<EmailLimits> = {}): Promise<ParsedEmail> {
  const full: EmailLimits = { ...DEFAULT_LIMITS, ...limits };
  if (!bytes?.length) return Promise.reject(new InputError('empty message'));
  // Cheap checks stay on this thread: no copy to a worker for what is refused anyway.
  if (bytes.length > full.maxBytes) return Promise.reject(new InputError(`message is ${bytes.length} bytes, over the limit of ${full.maxBytes} bytes`));
  return new Promise<ParsedEmail>((resolve, reject) => {
    queue.push({ id: nextId++, bytes, limits: full, resolve, reject });
    pump();
  });
}

/** Stops the parser workers (tests and clean shutdown; they are unref'd and never block exit). */
export async function closeParsers(): Promise<void> {
  const all = slots.splice(0);
  await Promise.all(all.map((s) => s.worker.terminate()));
}
