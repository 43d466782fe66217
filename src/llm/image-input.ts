/**
 * Images for vision models, sized the way the APIs want them: Claude rejects images over 5 MB
 * or 8000 px and scales anything over ~1.15 megapixels down itself (paying latency for nothing),
 * so a phone photo of an invoice is resized to a long edge of 1568 px first. Page renders that
 * are already small pass through untouched.
 */
import sharp from 'sharp';

export const MAX_EDGE_PX = 1568;
const MAX_BYTES = 4 * 1024 * 1024;

export async function forVision(image: Buffer): Promise<{ data: Buffer; mediaType: 'image/png' | 'image/jpeg' }> {
  const jpeg = image[0] === 0xff && image[1] === 0xd8;
  const meta = await sharp(image).metadata().catch(() => undefined);
  // Not decodable here: pass it on as it is and let the model's API say what is wrong with it.
  if (!meta) return { data: image, mediaType: jpeg ? 'image/jpeg' : 'image/png' };
  const fits = (meta.width ?? 0) <= MAX_EDGE_PX && (meta.height ?? 0) <= MAX_EDGE_PX && image.length <= MAX_BYTES;
  if (fits && (jpeg || meta.format === 'png')) return { data: image, mediaType: jpeg ? 'image/jpeg' : 'image/png' };
  const data = await sharp(image).rotate().resize({ width: MAX_EDGE_PX, height: MAX_EDGE_PX, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 85 }).toBuffer();
  return { data, mediaType: 'image/jpeg' };
}
