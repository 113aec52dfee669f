// Resizing avatars, realm icons and logos with jimp: pure JavaScript, so it works inside
// the `bun build --compile` binary (sharp's native addon does not load there; checked
// with Bun 1.4.5, see docs/uploads.md). Zulip's sizes: avatars 100×100 and 500×500
// ("medium"), realm icons 100×100, logos fitted into 800×100. Formats jimp cannot decode
// (WebP) are stored as uploaded.
import { Jimp } from "jimp";

/** Refuse decompression bombs before decoding: 40 megapixels is a 6000×6000 photo with room to spare. */
const MAX_PIXELS = 40_000_000;

export type ImageRole = "avatar" | "realm_icon" | "realm_logo";

export interface Resized {
  /** the image to serve (PNG) */
  main: Uint8Array;
  /** avatars only: 500×500 */
  medium?: Uint8Array;
}

/** Width and height from the header (PNG, GIF, JPEG, BMP), or null. */
export function imageDimensions(b: Uint8Array): { width: number; height: number } | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50) return { width: dv.getUint32(16), height: dv.getUint32(20) };
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49) return { width: dv.getUint16(6, true), height: dv.getUint16(8, true) };
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) return { width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)) };
  if (b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1]!;
      const len = dv.getUint16(i + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: dv.getUint16(i + 7), height: dv.getUint16(i + 5) };
      }
      i += 2 + len;
    }
  }
  return null;
}

export class ImageError extends Error {}

/** The resized PNG(s), or null when the format is one we store unresized (WebP). */
export async function resizeImage(bytes: Uint8Array, contentType: string, role: ImageRole): Promise<Resized | null> {
  if (contentType === "image/webp") return null;
  const dims = imageDimensions(bytes);
  if (!dims || dims.width < 1 || dims.height < 1) throw new ImageError("unreadable image header");
  if (dims.width * dims.height > MAX_PIXELS) throw new ImageError("image has too many pixels");
  let img: Awaited<ReturnType<typeof Jimp.read>>;
  try {
    img = await Jimp.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new ImageError(String((e as Error)?.message ?? e));
  }
  // jimp's chained types do not unify across clone()/cover(); the runtime object is the same class.
  const png = async (i: unknown) => new Uint8Array(await (i as typeof img).getBuffer("image/png"));
  if (role === "realm_logo") {
    const logo = img.clone();
    if (logo.width > 800 || logo.height > 100) logo.scaleToFit({ w: 800, h: 100 });
    return { main: await png(logo) };
  }
  const main = await png(img.clone().cover({ w: 100, h: 100 }));
  if (role === "realm_icon") return { main };
  return { main, medium: await png(img.clone().cover({ w: 500, h: 500 })) };
}

/** The medium-size key of an avatar stored by us (resized avatars are PNG). */
export function mediumKeyOf(key: string): string | null {
  return key.endsWith(".png") ? key.slice(0, -4) + "-medium.png" : null;
}
