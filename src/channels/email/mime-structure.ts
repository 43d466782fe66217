/**
 * A cheap pre-parse pass over the raw bytes that measures the MIME tree before mailparser builds
 * it: the deepest nesting of multiparts and attached messages, and the number of parts. Hostile
 * messages (endless enclosures, thousands of parts) are refused here, before any decoding.
 *
 * It follows boundaries line by line: a header block starts the message and every part; a
 * multipart header pushes its boundary, `--boundary--` pops back to its level, and a
 * message/rfc822 part opens a nested header block one level deeper. It stops as soon as a
 * limit is passed, so its cost is bounded by the limit, not by the input.
 */
export interface MimeShape {
  depth: number;
  parts: number;
}

interface Frame {
  boundary: string;
  depth: number;
}

function headerValue(block: string[], name: string): string | undefined {
  const re = new RegExp(`^${name}[ \\t]*:(.*)$`, 'i');
  for (let i = 0; i < block.length; i++) {
    const m = re.exec(block[i]!);
    if (!m) continue;
    let v = m[1]!;
    for (let j = i + 1; j < block.length && /^[ \t]/.test(block[j]!); j++) v += ` ${block[j]!.trim()}`;
    return v.trim();
  }
  return undefined;
}

function boundaryOf(contentType: string): string | undefined {
  const m = /boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  return b ? b.trim() : undefined;
}

export class MimeLimitError extends Error {}

export function measureMime(bytes: Buffer, limits: { maxDepth: number; maxParts: number }): MimeShape {
  const text = bytes.toString('latin1');
  const stack: Frame[] = [];
  let depth = 0;
  let parts = 0;
  let pos = 0;
  // Reading a header block starting at `pos` (message or part) at nesting `level`.
  let inHeaders = true;
  let headerLevel = 1;
  let block: string[] = [];

  const openPart = (level: number) => {
    parts++;
    if (parts > limits.maxParts) throw new MimeLimitError(`more than ${limits.maxParts} MIME parts`);
    if (level > depth) depth = level;
    if (depth > limits.maxDepth) throw new MimeLimitError(`MIME nesting deeper than ${limits.maxDepth} levels`);
  };
  openPart(1);

  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl).replace(/\r$/, '');
    pos = nl + 1;

    if (inHeaders) {
      if (line === '') {
        inHeaders = false;
        const ct = headerValue(block, 'content-type') ?? '';
        block = [];
        if (/^\s*multipart\//i.test(ct)) {
          const boundary = boundaryOf(ct);
          if (boundary) stack.push({ boundary, depth: headerLevel });
        } else if (/^\s*message\/(rfc822|global)\b/i.test(ct)) {
          inHeaders = true;
          headerLevel += 1;
          openPart(headerLevel);
        }
      } else if (block.length < 500) {
        block.push(line);
      }
      if (pos > text.length) break;
      continue;
    }

    if (line.startsWith('--') && stack.length) {
      const body = line.slice(2).trimEnd();
      for (let i = stack.length - 1; i >= 0; i--) {
        const f = stack[i]!;
        if (body === `${f.boundary}--`) {
          stack.length = i;
          break;
        }
        if (body === f.boundary) {
          stack.length = i + 1;
          inHeaders = true;
          headerLevel = f.depth + 1;
          block = [];
          openPart(headerLevel);
          break;
        }
      }
    }
    if (pos > text.length) break;
  }
  return { depth, parts };
}
