/**
 * Minimal PDFs written by hand for tests: text pages (Helvetica, one line per entry) with correct
 * xref offsets, and optional embedded files (as a hybrid e-invoice carries its XML).
 */
export function textPdf(pages: string[][], options: { attachments?: Array<{ name: string; content: string }> } = {}): Buffer {
  const objects = ['', '', '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'];
  const kids: string[] = [];
  for (const lines of pages) {
    const height = 20 + 16 * lines.length;
    const content = lines.map((l, i) => `BT /F1 12 Tf 10 ${height - 20 - i * 16} Td (${l.replace(/[()\\]/g, '\\$&')}) Tj ET`).join('\n');
    const page = objects.length + 1;
    kids.push(`${page} 0 R`);
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 ${height}] /Contents ${page + 1} 0 R /Resources << /Font << /F1 3 0 R >> >> >>`);
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  }
  const names: string[] = [];
  for (const a of options.attachments ?? []) {
    const file = objects.length + 1;
    // The body is assembled as latin1: carry the file's UTF-8 bytes through unchanged.
    const bytes = Buffer.from(a.content, 'utf8').toString('latin1');
    objects.push(`<< /Type /EmbeddedFile /Subtype /text#2Fxml /Length ${bytes.length} >>\nstream\n${bytes}\nendstream`);
    objects.push(`<< /Type /Filespec /F (${a.name}) /UF (${a.name}) /AFRelationship /Data /EF << /F ${file} 0 R /UF ${file} 0 R >> >>`);
    names.push(`(${a.name}) ${file + 1} 0 R`);
  }
  objects[0] = `<< /Type /Catalog /Pages 2 0 R${names.length ? ` /Names << /EmbeddedFiles << /Names [${names.join(' ')}] >> >>` : ''} >>`;
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages.length} >>`;
  let body = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
