// A streaming multipart/form-data reader. Request.formData() buffers the whole body
// before the handler sees a byte, so an over-limit upload could not be refused until it
// had been read in full; this reader hands each part's bytes over as they arrive, so the
// caller can stop reading (and cancel the body) the moment a limit is passed.
// Handles what browsers, zulip-js, the Python bindings and curl send: CRLF delimiters,
// quoted and RFC 5987 (filename*) parameters, UTF-8 in quoted filenames.

const CRLF = new Uint8Array([13, 10]);
const HEADER_END = new Uint8Array([13, 10, 13, 10]);
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PREAMBLE_BYTES = 64 * 1024;

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

export interface PartInfo {
  /** form field name */
  name: string;
  /** filename from Content-Disposition; undefined for plain fields */
  filename?: string;
  /** Content-Type the client declared (never trusted for serving) */
  contentType?: string;
}

/** The boundary from a Content-Type header, or null when it is not multipart/form-data. */
export function boundaryOf(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!) : null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Parses `form-data; name="x"; filename="y"; filename*=UTF-8''z` (the * form wins). */
export function parseContentDisposition(value: string): { name?: string; filename?: string } {
  const params: Record<string, string> = {};
  const re = /;\s*([A-Za-z0-9_*.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value))) {
    const key = m[1]!.toLowerCase();
    // Browsers send backslashes raw and escape only quotes (as %22 or \"), so only \" is unescaped.
    params[key] = m[2] !== undefined ? m[2].replace(/\\"/g, '"') : m[3]!.trim();
  }
  let filename = params.filename;
  const star = params["filename*"];
  if (star) {
    const sm = /^([A-Za-z0-9_-]+)'[^']*'(.*)$/.exec(star);
    if (sm) {
      try {
        filename = sm[1]!.toLowerCase() === "utf-8" ? decodeURIComponent(sm[2]!) : unescape(sm[2]!);
      } catch {
        /* keep the plain filename */
      }
    }
  }
  return { name: params.name, filename };
}

/**
 * Reads parts one after another. Call next() for the next part's headers, then read its
 * body with body() (or skip it by calling next() again). cancel() stops reading the
 * request body at once.
 */
export class MultipartReader {
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private buf: Uint8Array = new Uint8Array(0);
  private eof = false;
  private done = false;
  private inBody = false;
  private started = false;
  private readonly dashBoundary: Uint8Array;
  private readonly delimiter: Uint8Array;
  /** bytes pulled from the request so far */
  bytesRead = 0;

  constructor(body: ReadableStream<Uint8Array>, boundary: string) {
    this.reader = body.getReader();
    this.dashBoundary = new TextEncoder().encode(`--${boundary}`);
    this.delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  }

  private async fill(): Promise<boolean> {
    if (this.eof) return false;
    const r = await this.reader.read();
    if (r.done) {
      this.eof = true;
      return false;
    }
    this.bytesRead += r.value.byteLength;
    this.buf = concat(this.buf, r.value);
    return true;
  }

  async cancel(): Promise<void> {
    this.done = true;
    await this.reader.cancel().catch(() => {});
  }

  /** The next part's headers, or null after the closing delimiter. */
  async next(): Promise<PartInfo | null> {
    if (this.done) return null;
    if (this.inBody) {
      for await (const _ of this.body()) {
        /* skip the rest of the current part */
      }
      if (this.done) return null;
    } else if (!this.started) {
      this.started = true;
      // The preamble: everything up to the first --boundary.
      for (;;) {
        const i = indexOf(this.buf, this.dashBoundary);
        if (i >= 0) {
          this.buf = this.buf.subarray(i + this.dashBoundary.length);
          break;
        }
        if (this.buf.length > MAX_PREAMBLE_BYTES) throw new MultipartError("no multipart boundary found");
        if (!(await this.fill())) throw new MultipartError("no multipart boundary found");
      }
      if (!(await this.afterDelimiter())) return null;
    }
    // Part headers up to the blank line.
    let end: number;
    for (;;) {
      end = indexOf(this.buf, HEADER_END);
      if (end >= 0) break;
      if (this.buf.length > MAX_HEADER_BYTES) throw new MultipartError("multipart part headers too large");
      if (!(await this.fill())) throw new MultipartError("the request body ended inside part headers");
    }
    const headerText = new TextDecoder("utf-8").decode(this.buf.subarray(0, end));
    this.buf = this.buf.subarray(end + HEADER_END.length);
    const info: PartInfo = { name: "" };
    for (const line of headerText.split("\r\n")) {
      const c = line.indexOf(":");
      if (c < 0) continue;
      const key = line.slice(0, c).trim().toLowerCase();
      const value = line.slice(c + 1).trim();
      if (key === "content-disposition") {
        const d = parseContentDisposition(value);
        info.name = d.name ?? "";
        if (d.filename !== undefined) info.filename = d.filename;
      } else if (key === "content-type") info.contentType = value;
    }
    this.inBody = true;
    return info;
  }

  /** After a delimiter: "--" closes the body; otherwise optional padding then CRLF. */
  private async afterDelimiter(): Promise<boolean> {
    while (this.buf.length < 2) if (!(await this.fill())) throw new MultipartError("the request body ended early");
    if (this.buf[0] === 45 && this.buf[1] === 45) {
      this.done = true;
      return false;
    }
    for (;;) {
      const i = indexOf(this.buf, CRLF);
      if (i >= 0) {
        this.buf = this.buf.subarray(i + 2);
        return true;
      }
      if (this.buf.length > 1024) throw new MultipartError("malformed multipart delimiter");
      if (!(await this.fill())) throw new MultipartError("the request body ended early");
    }
  }

  /** The current part's bytes, chunk by chunk, up to the next delimiter. */
  async *body(): AsyncGenerator<Uint8Array> {
    if (!this.inBody) return;
    const keep = this.delimiter.length - 1;
    for (;;) {
      const i = indexOf(this.buf, this.delimiter);
      if (i >= 0) {
        const chunk = this.buf.subarray(0, i);
        this.buf = this.buf.subarray(i + this.delimiter.length);
        this.inBody = false;
        if (chunk.length) yield chunk;
        await this.afterDelimiter();
        return;
      }
      if (this.buf.length > keep) {
        // Everything but a possible delimiter prefix at the end can go out now.
        const chunk = this.buf.slice(0, this.buf.length - keep);
        this.buf = this.buf.subarray(this.buf.length - keep);
        yield chunk;
      }
      if (!(await this.fill())) throw new MultipartError("the request body ended before the file was complete");
    }
  }
}

/** One part of a form, as the upload actions consume it (no HTTP types). */
export interface FormPart extends PartInfo {
  body(): AsyncIterable<Uint8Array>;
}

/** The parts of a multipart body, one after another; each body must be read before the next part. */
export async function* formParts(reader: MultipartReader): AsyncGenerator<FormPart> {
  for (;;) {
    const info = await reader.next();
    if (!info) return;
    yield { ...info, body: () => reader.body() };
  }
}
