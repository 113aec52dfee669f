// Zulip request parameters, in one helper (ZULIP-API.md §1): values come from the query
// string AND the body for every method; bodies are urlencoded or multipart; non-string
// values are JSON text. Every parameter a handler reads is remembered, so the response
// can list the rest as `ignored_parameters_unsupported`, as Zulip does.
import { errors } from "../domain/errors.ts";

export class Params {
  private values = new Map<string, string>();
  private files: { field: string; file: File }[] = [];
  private used = new Set<string>();

  static async fromRequest(req: Request, url: URL): Promise<Params> {
    const p = new Params();
    for (const [k, v] of url.searchParams) p.values.set(k, v);
    const method = req.method.toUpperCase();
    if (method === "GET" || method === "HEAD") return p;
    const type = (req.headers.get("content-type") ?? "").toLowerCase();
    try {
      if (type.startsWith("application/x-www-form-urlencoded")) {
        const text = await req.text();
        for (const [k, v] of new URLSearchParams(text)) p.values.set(k, v);
      } else if (type.startsWith("multipart/form-data")) {
        const form = await req.formData();
        for (const [k, v] of form as unknown as Iterable<[string, string | File]>) {
          if (typeof v === "string") p.values.set(k, v);
          else p.files.push({ field: k, file: v });
        }
      }
    } catch {
      throw errors.badRequest("Malformed request body");
    }
    return p;
  }

  /** Query-string parameters only, leaving the body unread (streamed uploads). */
  static fromQuery(url: URL): Params {
    const p = new Params();
    for (const [k, v] of url.searchParams) p.values.set(k, v);
    return p;
  }

  static fromObject(obj: Record<string, unknown>): Params {
    const p = new Params();
    for (const [k, v] of Object.entries(obj)) {
      if (v !== undefined) p.values.set(k, typeof v === "string" ? v : JSON.stringify(v));
    }
    return p;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** the raw string, marking it as read */
  raw(name: string): string | undefined {
    this.used.add(name);
    return this.values.get(name);
  }

  /** Names the handler never looked at (Zulip's ignored_parameters_unsupported). */
  ignored(): string[] {
    return [...this.values.keys()].filter((k) => !this.used.has(k));
  }

  markUsed(...names: string[]) {
    for (const n of names) this.used.add(n);
  }

  str(name: string): string;
  str(name: string, opts: { default: string }): string;
  str(name: string, opts: { optional: true }): string | undefined;
  str(name: string, opts?: { default?: string; optional?: boolean }): string | undefined {
    const v = this.raw(name);
    if (v === undefined) {
      if (opts?.default !== undefined) return opts.default;
      if (opts?.optional) return undefined;
      throw errors.missing(name);
    }
    return v;
  }

  int(name: string): number;
  int(name: string, opts: { default: number }): number;
  int(name: string, opts: { optional: true }): number | undefined;
  int(name: string, opts?: { default?: number; optional?: boolean }): number | undefined {
    const v = this.raw(name);
    if (v === undefined) {
      if (opts?.default !== undefined) return opts.default;
      if (opts?.optional) return undefined;
      throw errors.missing(name);
    }
    const s = v.trim();
    // JSON-encoded ints may arrive quoted by some clients ("42").
    const unq = /^"-?\d+"$/.test(s) ? s.slice(1, -1) : s;
    if (!/^-?\d+$/.test(unq)) throw errors.invalid(name, `${name} is not an integer`);
    const n = Number(unq);
    if (!Number.isSafeInteger(n)) throw errors.invalid(name, `${name} is not an integer`);
    return n;
  }

  bool(name: string, dflt: boolean): boolean;
  bool(name: string, dflt: null): boolean | null;
  bool(name: string, dflt: boolean | null): boolean | null {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    const s = v.trim().toLowerCase();
    if (s === "true" || s === "1" || s === '"true"') return true;
    if (s === "false" || s === "0" || s === '"false"') return false;
    throw errors.invalid(name, `${name} is not a boolean`);
  }

  /** A JSON-encoded parameter, checked by `check` (which throws or returns the typed value). */
  json<T>(name: string, check: (v: unknown, name: string) => T): T;
  json<T>(name: string, check: (v: unknown, name: string) => T, opts: { optional: true }): T | undefined;
  json<T>(name: string, check: (v: unknown, name: string) => T, opts?: { optional?: boolean }): T | undefined {
    const v = this.raw(name);
    if (v === undefined) {
      if (opts?.optional) return undefined;
      throw errors.missing(name);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw errors.invalidJson(name);
    }
    return check(parsed, name);
  }

  /** The uploaded files, in order; handlers take the file from any field, as Zulip does. */
  uploadedFiles(): { field: string; file: File }[] {
    for (const f of this.files) this.used.add(f.field);
    return this.files;
  }
}

// ---- small checkers for json() ---------------------------------------------------------

export const check = {
  intList(v: unknown, name: string): number[] {
    if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x))) throw errors.invalid(name, `${name} is not a list of integers`);
    return v as number[];
  },
  strList(v: unknown, name: string): string[] {
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw errors.invalid(name, `${name} is not a list of strings`);
    return v as string[];
  },
  int(v: unknown, name: string): number {
    if (!Number.isSafeInteger(v)) throw errors.invalid(name, `${name} is not an integer`);
    return v as number;
  },
  bool(v: unknown, name: string): boolean {
    if (typeof v !== "boolean") throw errors.invalid(name, `${name} is not a boolean`);
    return v;
  },
  object(v: unknown, name: string): Record<string, unknown> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw errors.invalid(name, `${name} is not a dict`);
    return v as Record<string, unknown>;
  },
  any: (v: unknown) => v,
};
