// Response headers for user content. An upload must never run as a page of our origin:
// the type is the sniffed one (allowlisted, else octet-stream), nosniff stops browsers
// guessing, non-media files are attachments, and a restrictive CSP with `sandbox` makes
// even a mis-typed file inert. Referrer-Policy: no-referrer keeps the secret URL out of
// Referer headers sent by anything the file links to (Zulip's Referer-leak issue).

export const UPLOAD_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox";
// Browsers' built-in PDF viewers do not run inside a CSP sandbox.
export const PDF_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'";

export interface ServedObject {
  contentType: string;
  contentDisposition: string;
  /** strong validator (content hash) */
  etag: string;
  size: number;
  /** cache policy; user uploads are private and never change under one URL */
  cacheControl?: string;
}

export function safeHeaders(o: Pick<ServedObject, "contentType" | "contentDisposition">): Headers {
  const h = new Headers();
  h.set("content-type", o.contentType);
  h.set("content-disposition", o.contentDisposition);
  h.set("x-content-type-options", "nosniff");
  h.set("referrer-policy", "no-referrer");
  h.set("content-security-policy", o.contentType === "application/pdf" ? PDF_CSP : UPLOAD_CSP);
  h.set("cross-origin-resource-policy", "same-site");
  return h;
}

function parseRange(header: string, size: number): { start: number; end: number } | "unsatisfiable" | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // multiple or malformed ranges: serve the whole file
  const [, a, b] = m;
  if (a === "" && b === "") return null;
  let start: number;
  let end: number;
  if (a === "") {
    const n = Number(b);
    if (n === 0) return "unsatisfiable";
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

/** A stored local file with validators and single-range support (audio/video seeking). */
export function serveFile(req: Request, path: string, o: ServedObject): Response {
  const h = safeHeaders(o);
  const etag = `"${o.etag}"`;
  h.set("etag", etag);
  h.set("cache-control", o.cacheControl ?? "private, max-age=31536000, immutable");
  h.set("accept-ranges", "bytes");
  const inm = req.headers.get("if-none-match");
  if (inm && inm.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) return new Response(null, { status: 304, headers: h });
  const file = Bun.file(path);
  const range = req.headers.get("range");
  const ifRange = req.headers.get("if-range");
  if (range && (!ifRange || ifRange === etag)) {
    const r = parseRange(range, o.size);
    if (r === "unsatisfiable") {
      h.set("content-range", `bytes */${o.size}`);
      h.delete("content-disposition");
      return new Response(null, { status: 416, headers: h });
    }
    if (r) {
      h.set("content-range", `bytes ${r.start}-${r.end}/${o.size}`);
      h.set("content-length", String(r.end - r.start + 1));
      return new Response(req.method === "HEAD" ? null : file.slice(r.start, r.end + 1), { status: 206, headers: h });
    }
  }
  h.set("content-length", String(o.size));
  return new Response(req.method === "HEAD" ? null : file, { status: 200, headers: h });
}

/** A redirect that leaks nothing (no Referer) and is not cached past the target's expiry. */
export function redirectTo(location: string, cacheSeconds = 0): Response {
  return new Response(null, {
    status: 302,
    headers: {
      location,
      "referrer-policy": "no-referrer",
      "cache-control": cacheSeconds > 0 ? `private, max-age=${cacheSeconds}` : "no-store",
    },
  });
}
