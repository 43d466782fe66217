/**
 * OCR with one fallback: some colour scans come back empty from tesseract (its binarisation
 * finds no text on a tinted background). When the first reading has almost no letters, the
 * image is read again as normalised greyscale, and the better reading is kept.
 */
import sharp from 'sharp';
import type { OcrPool, OcrResult } from './ocr-pool.ts';

const letters = (s: string) => s.match(/\p{L}/gu)?.length ?? 0;
const FEW_LETTERS = 40;

export async function readImage(ocr: OcrPool, image: Buffer): Promise<OcrResult & { retried: boolean }> {
  const first = await ocr.recognize(image);
  if (letters(first.text) >= FEW_LETTERS) return { ...first, retried: false };
  const grey = await sharp(image).greyscale().normalise().png().toBuffer();
  const second = await ocr.recognize(grey);
  return letters(second.text) > letters(first.text) ? { ...second, retried: true } : { ...first, retried: true };
}
