/**
 * Worker thread entry for pdf-layout.ts: pdf.js reads each page's text items WITH positions and
 * fonts, renders the page, and judges every item's visibility on the rendered pixels. Judging
 * pixels rather than the operator list's fill colours catches every way of hiding text at once:
 * white or background-coloured fill, invisible render mode, text painted over by a rectangle.
 * Pages with almost no text come back as PNG for OCR. Runs in its own thread so a document that
 * loops pdf.js can be stopped by terminating the thread.
 */
import { parentPort } from 'node:worker_threads';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument, type PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { LayoutItem, LayoutPage } from './layout-types.ts';

interface Request {
  id: number;
  bytes: Uint8Array;
  maxPages: number;
  /** Render every page to PNG (for the OCR cross-check), not only scans. */
  renderAll?: boolean;
}

/** The napi canvas stands in for the DOM canvas pdf.js is typed against. */
type RenderParams = Parameters<PDFPageProxy['render']>[0];

const SCALE = 1.5;
/** Luminance difference from the box's own background that counts as ink. */
const INK_CONTRAST = 28;
const MIN_LETTERS = 20;

interface TextItemLike {
  str: string;
  width: number;
  height: number;
  transform: number[];
  fontName: string;
}

/** The share of pixels in a box that differ visibly from the box's most common colour. */
function inkShare(data: Uint8ClampedArray, width: number, height: number, box: [number, number, number, number]): number {
  const x0 = Math.max(0, Math.floor(box[0]));
  const y0 = Math.max(0, Math.floor(box[1]));
  const x1 = Math.min(width, Math.ceil(box[2]));
  const y1 = Math.min(height, Math.ceil(box[3]));
  if (x1 <= x0 || y1 <= y0) return 0;
  const lum: number[] = [];
  const counts = new Map<number, number>();
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * width + x) * 4;
      const l = Math.round(0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!);
      lum.push(l);
      const bucket = l >> 3;
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    }
  }
  let mode = 0;
  let best = -1;
  for (const [bucket, n] of counts) if (n > best) [mode, best] = [bucket, n];
  const bg = mode * 8 + 4;
  return lum.filter((l) => Math.abs(l - bg) > INK_CONTRAST).length / lum.length;
}

async function read(req: Request): Promise<{ pages: LayoutPage[]; total: number }> {
  const task = getDocument({ data: req.bytes, isEvalSupported: false, verbosity: 0, stopAtErrors: false });
  try {
    const doc = await task.promise;
    const pages: LayoutPage[] = [];
    for (let n = 1; n <= Math.min(doc.numPages, req.maxPages); n++) {
      const page = await doc.getPage(n);
      const vp = page.getViewport({ scale: 1 });
      const content = await page.getTextContent();
      const raw = (content.items as TextItemLike[]).filter((it) => typeof it.str === 'string' && it.str.trim() !== '');
      const canvas = createCanvas(Math.ceil(vp.width * SCALE), Math.ceil(vp.height * SCALE));
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      let rendered = true;
      try {
        await page.render({ canvasContext: ctx, canvas, viewport: page.getViewport({ scale: SCALE }) } as unknown as RenderParams).promise;
      } catch {
        rendered = false;
      }
      const pixels = rendered ? ctx.getImageData(0, 0, canvas.width, canvas.height).data : undefined;
      const items: LayoutItem[] = raw.map((it) => {
        const [a, b, , d, e, f] = it.transform as [number, number, number, number, number, number];
        const size = Math.hypot(a, b) || Math.abs(d) || it.height;
        // Viewport space: origin top-left, y down, in points (scale 1).
        const [vx, vy] = vp.convertToViewportPoint(e, f) as [number, number];
        const font = page.commonObjs.has(it.fontName) ? (page.commonObjs.get(it.fontName) as { name?: string; bold?: boolean; black?: boolean }) : undefined;
        const fontName = font?.name ?? it.fontName;
        const item: LayoutItem = {
          str: it.str,
          x: vx,
          y: vy - size * 0.8,
          w: it.width,
          h: size,
          font: fontName,
          bold: Boolean(font?.bold || font?.black || /bold|black|heavy|semibold|demi/i.test(fontName)),
        };
        const letters = it.str.replace(/\s/g, '').length;
        if (size < 2) item.hidden = 'tiny';
        else if (vx + it.width < 0 || vx > vp.width || vy < 0 || vy - size > vp.height) item.hidden = 'offpage';
        else if (pixels && letters && it.width > 0) {
          const box: [number, number, number, number] = [vx * SCALE, (vy - size * 0.8) * SCALE, (vx + it.width) * SCALE, (vy + size * 0.2) * SCALE];
          if (inkShare(pixels, canvas.width, canvas.height, box) < 0.004) item.hidden = 'invisible';
        }
        return item;
      });
      const letters = items.filter((i) => !i.hidden).reduce((s, i) => s + (i.str.match(/\p{L}/gu)?.length ?? 0), 0);
      const scan = letters < MIN_LETTERS;
      let png: Uint8Array | undefined;
      if (scan || req.renderAll) {
        // OCR wants more pixels than the visibility check: render again at 2x.
        const big = createCanvas(Math.ceil(vp.width * 2), Math.ceil(vp.height * 2));
        const bctx = big.getContext('2d');
        bctx.fillStyle = '#ffffff';
        bctx.fillRect(0, 0, big.width, big.height);
        await page.render({ canvasContext: bctx, canvas: big, viewport: page.getViewport({ scale: 2 }) } as unknown as RenderParams).promise.catch(() => undefined);
        png = new Uint8Array(await big.encode('png'));
      }
      const annotations = (await page.getAnnotations().catch(() => [])) as Array<{ subtype?: string; url?: string; unsafeUrl?: string }>;
      const links = annotations.filter((a) => a.subtype === 'Link').map((a) => a.url ?? a.unsafeUrl).filter((u): u is string => typeof u === 'string');
      pages.push({ number: n, width: vp.width, height: vp.height, items, scan, links, ...(png ? { png } : {}) });
      page.cleanup();
    }
    return { pages, total: doc.numPages };
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

parentPort!.on('message', (req: Request) => {
  read(req).then(
    (result) => parentPort!.postMessage({ id: req.id, ok: true, result }),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      parentPort!.postMessage({ id: req.id, ok: false, error: { name: e.name, message: e.message } });
    },
  );
});
