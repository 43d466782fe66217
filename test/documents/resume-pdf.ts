/**
 * Hand-written PDFs for resume tests: positioned lines in Helvetica / Helvetica-Bold with a fill
 * colour each (so white, tiny and off-page text can be planted), optional link annotations, or a
 * single full-page JPEG (a scanned resume). Correct xref offsets; no dependencies.
 */
import zlib from 'node:zlib';

export interface PdfLine {
  text: string;
  x: number;
  /** From the top of the page, in points. */
  y: number;
  size?: number;
  bold?: boolean;
  /** RGB 0..1; default black. */
  color?: [number, number, number];
}

// WinAnsi: the bullet is byte 0x95 (octal 225).
const esc = (s: string) => s.replace(/[()\\]/g, '\\$&').replace(/•/g, '\\225');

function assemble(objects: string[] | Array<string | Buffer>): Buffer {
  const chunks: Buffer[] = [Buffer.from('%PDF-1.7\n', 'latin1')];
  const offsets: number[] = [];
  let length = chunks[0]!.length;
  objects.forEach((o, i) => {
    offsets.push(length);
    const parts = [Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), typeof o === 'string' ? Buffer.from(o, 'latin1') : o, Buffer.from('\nendobj\n', 'latin1')];
    for (const p of parts) {
      chunks.push(p);
      length += p.length;
    }
  });
  const xref = length;
  chunks.push(Buffer.from(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(chunks);
}

export interface PdfOverlay {
  jpeg: Buffer;
  width: number;
  height: number;
  /** Where to paint it over the text: x, y from the bottom, width, height in points. */
  rect: [number, number, number, number];
}

export function resumePdf(lines: PdfLine[], options: { links?: Array<{ uri: string; rect: [number, number, number, number] }>; height?: number; overlay?: PdfOverlay } = {}): Buffer {
  const height = options.height ?? 792;
  const content = lines
    .map((l) => {
      const [r, g, b] = l.color ?? [0, 0, 0];
      return `BT ${r} ${g} ${b} rg /${l.bold ? 'F2' : 'F1'} ${l.size ?? 10} Tf ${l.x} ${height - l.y} Td (${esc(l.text)}) Tj ET`;
    })
    .join('\n')
    .concat(options.overlay ? `\nq ${options.overlay.rect[2]} 0 0 ${options.overlay.rect[3]} ${options.overlay.rect[0]} ${options.overlay.rect[1]} cm /Im1 Do Q` : '');
  const annots = (options.links ?? []).map((a) => `<< /Type /Annot /Subtype /Link /Rect [${a.rect.join(' ')}] /Border [0 0 0] /A << /S /URI /URI (${esc(a.uri)}) >> >>`);
  const objects: Array<string | Buffer> = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 ${height}] /Contents 4 0 R /Resources << /Font << /F1 5 0 R /F2 6 0 R >>${options.overlay ? ` /XObject << /Im1 ${7 + annots.length} 0 R >>` : ''} >>${annots.length ? ` /Annots [${annots.map((_, i) => `${7 + i} 0 R`).join(' ')}]` : ''} >>`,
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
    ...annots,
  ];
  const o = options.overlay;
  if (o) objects.push(Buffer.concat([Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${o.width} /Height ${o.height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${o.jpeg.length} >>\nstream\n`, 'latin1'), o.jpeg, Buffer.from('\nendstream', 'latin1')]));
  return assemble(objects);
}

/** A one-page PDF that is only a JPEG image (no text layer), as a scanner makes. */
export function scannedPdf(jpeg: Buffer, width: number, height: number): Buffer {
  const content = `q 612 0 0 792 0 0 cm /Im1 Do Q`;
  return assemble([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    Buffer.concat([Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${jpeg.length} >>\nstream\n`, 'latin1'), jpeg, Buffer.from('\nendstream', 'latin1')]),
  ]);
}

/** A plain one-column resume as lines, top to bottom. */
export function simpleResume(extra: PdfLine[] = []): PdfLine[] {
  const rows: Array<[string, number, boolean?]> = [
    ['Avery Quinn', 20, true],
    ['avery.quinn@example.com | (312) 555-0111 | Chicago, IL', 10],
    ['EXPERIENCE', 12, true],
    ['Backend Engineer', 11, true],
    ['Lakeshore Logistics Inc. | Chicago, IL', 10],
    ['Mar 2021 - Present', 10],
    ['• Built the shipment tracking API in Go and PostgreSQL', 10],
    ['Software Developer', 11, true],
    ['Prairie Data Systems', 10],
    ['Jun 2018 - Feb 2021', 10],
    ['• Maintained ETL jobs in Python', 10],
    ['EDUCATION', 12, true],
    ['B.S. in Computer Science', 10],
    ['Midwest State University | 2014 - 2018', 10],
    ['SKILLS', 12, true],
    ['Go, PostgreSQL, Python, Kubernetes', 10],
  ];
  let y = 60;
  const lines = rows.map(([text, size, bold]) => {
    y += size + (bold && size >= 12 ? 14 : 6);
    return { text, x: 60, y, size, ...(bold ? { bold } : {}) };
  });
  return [...lines, ...extra];
}

/** A minimal DOCX (stored zip, no compression) with the given paragraphs; `**x**` makes x bold, `- x` a list-like line. */
export function resumeDocx(paragraphs: string[]): Buffer {
  const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = paragraphs
    .map((p) => {
      // `[[props]]text` gives the run raw w:rPr children (hidden, colour, size).
      const raw = /^\[\[(.*?)\]\](.*)$/.exec(p);
      if (raw) return `<w:p><w:r><w:rPr>${raw[1]}</w:rPr><w:t xml:space="preserve">${xmlEsc(raw[2]!)}</w:t></w:r></w:p>`;
      const bold = /^\*\*(.*)\*\*$/.exec(p);
      const text = xmlEsc(bold ? bold[1]! : p);
      return `<w:p><w:r>${bold ? '<w:rPr><w:b/></w:rPr>' : ''}<w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;
    })
    .join('');
  const files: Array<[string, string]> = [
    ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'],
    ['_rels/.rels', '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'],
    ['word/document.xml', `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`],
  ];
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of files) {
    const data = Buffer.from(content, 'utf8');
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = zlib.crc32(data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(data.length, 18);
    head.writeUInt32LE(data.length, 22);
    head.writeUInt16LE(nameBuf.length, 26);
    local.push(head, nameBuf, data);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(data.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(nameBuf.length, 28);
    dir.writeUInt32LE(offset, 42);
    central.push(dir, nameBuf);
    offset += head.length + nameBuf.length + data.length;
  }
  const dirBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dirBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, dirBuf, end]);
}
