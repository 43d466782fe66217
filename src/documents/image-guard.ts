/**
 * Images are hostile input: their declared size is read from the header before anything decodes
 * them, and a decompression bomb (a tiny file declaring a huge canvas) is refused. Formats OCR
 * cannot read directly (TIFF, WebP, GIF...) are converted to PNG first.
 */
import { imageSize } from 'image-size';
import sharp from 'sharp';
import { InputError } from '../errors.ts';

export const MAX_PIXELS = 40_000_000;

export function imageDimensions(bytes: Buffer): { width: number; height: number; type: string } {
  try {
    const d = imageSize(bytes);
    if (!d.width || !d.height) throw new Error('no dimensions');
    return { width: d.width, height: d.height, type: d.type ?? 'unknown' };
  } catch (err) {
    throw new InputError(`not a readable image: ${(err as Error).message}`, { cause: err });
  }
}

/** Checks the image and returns PNG or JPEG bytes that OCR can read. */
export async function prepareImage(bytes: Buffer, maxPixels = MAX_PIXELS): Promise<Buffer> {
  const { width, height, type } = imageDimensions(bytes);
  if (width * height > maxPixels) {
    throw new InputError(`image declares ${width}×${height} pixels (${Math.round((width * height) / 1e6)} MP), over the ${maxPixels / 1e6} MP limit: refused as a possible decompression bomb`);
  }
  if (type === 'png' || type === 'jpg') return bytes;
  try {
    return await sharp(bytes, { limitInputPixels: maxPixels }).png().toBuffer();
  } catch (err) {
    throw new InputError(`could not decode the ${type} image: ${(err as Error).message}`, { cause: err });
  }
}
