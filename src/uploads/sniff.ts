// Content types are decided from the bytes, never from what the client declared: a file
// is served inline only when its first bytes prove it is one of the types below, which
// browsers render without running scripts. Everything else (HTML, SVG, unknown) is served
// as an application/octet-stream attachment. Zulip's upload security notes ask for the
// same: never trust the client's type, and never let an upload render as a page.

/** Types served with Content-Disposition: inline. SVG is deliberately absent (it can carry script). */
export const INLINE_TYPES = new Set([
  "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp",
  "application/pdf",
  "audio/mpeg", "audio/ogg", "audio/wav", "audio/flac", "audio/mp4",
  "video/mp4", "video/webm", "video/quicktime", "video/ogg",
]);

/** Image types accepted for avatars, realm icons and logos. */
export const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** How many leading bytes sniff() looks at. */
export const SNIFF_BYTES = 64;

const ascii = (b: Uint8Array, at: number, s: string) => {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** The type proven by the leading bytes, or null. */
export function sniff(b: Uint8Array): string | null {
  if (ascii(b, 0, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) return "image/gif";
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) return "image/webp";
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE")) return "audio/wav";
  if (ascii(b, 0, "BM") && b.length >= 14 && b[6] === 0 && b[7] === 0 && b[8] === 0 && b[9] === 0) return "image/bmp";
  if (ascii(b, 0, "%PDF-")) return "application/pdf";
  if (ascii(b, 0, "fLaC")) return "audio/flac";
  if (ascii(b, 0, "OggS")) {
    // Vorbis/Opus/FLAC-in-Ogg are audio; Theora is video.
    return b.length >= 36 && ascii(b, 29, "theora") ? "video/ogg" : "audio/ogg";
  }
  if (ascii(b, 0, "ID3") || (b[0] === 0xff && b[1] !== undefined && (b[1] & 0xe0) === 0xe0 && (b[1] & 0x06) !== 0)) return "audio/mpeg";
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return "video/webm";
  if (ascii(b, 4, "ftyp")) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    if (brand === "avif" || brand === "avis") return "image/avif";
    if (brand === "qt  ") return "video/quicktime";
    if (brand === "M4A " || brand === "M4B ") return "audio/mp4";
    return "video/mp4";
  }
  return null;
}

/** What we store and serve for these leading bytes: the sniffed type if allowlisted, else octet-stream. */
export function servedType(head: Uint8Array): { contentType: string; inline: boolean } {
  const t = sniff(head);
  if (t && INLINE_TYPES.has(t)) return { contentType: t, inline: true };
  return { contentType: "application/octet-stream", inline: false };
}

export const EXTENSION_FOR: Record<string, string> = {
  "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
};
