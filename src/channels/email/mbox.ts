/**
 * Streaming mbox reader: yields one message at a time with its byte range in the file, so a
 * 10,000-message mbox is read in constant memory and an import can resume at a byte offset.
 *
 * A message starts at a "From " line at the start of the file or after an empty line; the
 * separator line is not part of the message. Lines escaped as ">From " (mboxrd) lose one ">".
 * The empty line mbox writers put after each message is dropped.
 */
import fs from 'node:fs';

export interface MboxMessage {
  bytes: Buffer;
  /** Byte offset of the message's "From " separator line. */
  start: number;
  /** Byte offset just after the message (the next separator, or end of file). */
  end: number;
}

const FROM = Buffer.from('From ');

function isEscapedFrom(line: Buffer): boolean {
  let i = 0;
  while (i < line.length && line[i] === 0x3e) i++; // '>'
  return i > 0 && line.subarray(i, i + 5).equals(FROM);
}

export async function* readMbox(file: string, options: { start?: number } = {}): AsyncGenerator<MboxMessage> {
  const start = options.start ?? 0;
  const stream = fs.createReadStream(file, { start, highWaterMark: 1024 * 1024 });
  let carry: Buffer = Buffer.alloc(0);
  let offset = start; // file offset of carry[0]
  let lines: Buffer[] = [];
  let msgStart = -1;
  let prevEmpty = true;

  const finish = (end: number): MboxMessage | undefined => {
    if (msgStart < 0) return undefined;
    // Drop the separator's trailing empty line(s).
    while (lines.length && (lines[lines.length - 1]!.length === 0 || (lines[lines.length - 1]!.length === 1 && lines[lines.length - 1]![0] === 0x0d))) lines.pop();
    const bytes = Buffer.concat(lines.flatMap((l) => [l, NL]));
    const m = { bytes, start: msgStart, end };
    lines = [];
    return m;
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      const line = buf.subarray(pos, nl);
      const lineStart = offset + pos;
      const content = line.length && line[line.length - 1] === 0x0d ? line.subarray(0, -1) : line;
      if (prevEmpty && content.subarray(0, 5).equals(FROM)) {
        const done = finish(lineStart);
        if (done) yield done;
        msgStart = lineStart;
      } else if (msgStart >= 0) {
        lines.push(isEscapedFrom(content) ? Buffer.from(line.subarray(1)) : Buffer.from(line));
      }
      prevEmpty = content.length === 0;
      pos = nl + 1;
    }
    carry = Buffer.from(buf.subarray(pos));
    offset += pos;
  }
  if (carry.length && msgStart >= 0) lines.push(carry);
  const last = finish(offset + carry.length);
  if (last) yield last;
}

const NL = Buffer.from('\n');

/** Writes messages as an mboxrd file (benchmarks and tests build their inputs with it). */
export function mboxEntry(bytes: Buffer, from = 'MAILER-DAEMON', date = new Date(0)): Buffer {
  const text = bytes.toString('latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1');
  return Buffer.from(`From ${from} ${date.toUTCString().replace(/,/, '')}\n${text}${text.endsWith('\n') ? '' : '\n'}\n`, 'latin1');
}
