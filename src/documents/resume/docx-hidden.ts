/**
 * Hidden text in a DOCX: runs marked hidden (`w:vanish`), in white or near-white type on an
 * unshaded background, or under 2 pt (`w:sz` is in half points). mammoth reads none of these
 * properties, so the document XML is read here directly: a minimal zip reader (central directory,
 * stored or deflated entries) and a scan of the runs. Text in a shaded cell or paragraph is left
 * alone: white on a dark banner is how headers are made.
 */
import zlib from 'node:zlib';

/** One entry of a zip archive, by name; undefined when absent or unreadable. */
export function zipEntry(zip: Buffer, name: string): Buffer | undefined {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0 || end + 22 > zip.length) return undefined;
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count && p + 46 <= zip.length; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) return undefined;
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const offset = zip.readUInt32LE(p + 42);
    const entryName = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (entryName === name) {
      if (offset + 30 > zip.length) return undefined;
      const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
      const data = zip.subarray(start, start + size);
      try {
        // A cap on the inflated size: a zip bomb is not a resume.
        return method === 0 ? data : method === 8 ? zlib.inflateRawSync(data, { maxOutputLength: 64 * 1024 * 1024 }) : undefined;
      } catch {
        return undefined;
      }
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  return undefined;
}

const SHADED = /<w:shd\b[^>]*w:fill="(?!auto|FFFFFF|ffffff)[0-9A-Fa-f]{6}"/;

function light(hex: string): boolean {
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return r! >= 0xf0 && g! >= 0xf0 && b! >= 0xf0;
}

/** The texts of hidden runs, in document order. */
export function docxHiddenRuns(docx: Buffer): string[] {
  const xml = zipEntry(docx, 'word/document.xml')?.toString('utf8');
  if (!xml) return [];
  // Shaded cells and paragraphs may carry light text on purpose: leave them out of the scan.
  const scan = xml.replace(/<w:tc\b[\s\S]*?<\/w:tc>/g, (tc) => (SHADED.test(tc.match(/<w:tcPr>[\s\S]*?<\/w:tcPr>/)?.[0] ?? '') ? '' : tc)).replace(/<w:p\b[\s\S]*?<\/w:p>/g, (para) => (SHADED.test(para.match(/<w:pPr>[\s\S]*?<\/w:pPr>/)?.[0] ?? '') ? '' : para));
  const hidden: string[] = [];
  for (const run of scan.matchAll(/<w:r\b[^>]*>([\s\S]*?)<\/w:r>/g)) {
    const body = run[1]!;
    const props = body.match(/<w:rPr>([\s\S]*?)<\/w:rPr>/)?.[1] ?? '';
    const vanish = /<w:vanish\s*\/>|<w:vanish\b(?![^>]*w:val="(?:0|false)")[^>]*\/>/.test(props);
    const color = props.match(/<w:color\b[^>]*w:val="([0-9A-Fa-f]{6})"/)?.[1];
    const size = Number(props.match(/<w:sz\b[^>]*w:val="(\d+)"/)?.[1] ?? NaN);
    if (!(vanish || (color && light(color)) || size < 4)) continue;
    const text = [...body.matchAll(/<w:t\b[^>]*>([^<]*)<\/w:t>/g)].map((t) => t[1]).join('').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
    if (text.trim()) hidden.push(text.trim());
  }
  return hidden;
}
