// Validates our responses against Zulip's OpenAPI description
// (../shared/zulip/openapi-zulip-normalized-2025-10.yaml), the way Zulip's own test suite
// does (zerver/openapi/openapi.py). The spec is written for Zulip's validator, so it is
// normalized first: allOf branches are merged (Zulip's `allOf: [JsonSuccessBase,
// {additionalProperties: false, …}]` means "these properties and no others"), `nullable`
// becomes a null type, and oneOf is read as anyOf (event schemas overlap).
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import Ajv, { type ValidateFunction } from "ajv";

// Vendored copy (test/fixtures/zulip, Apache-2.0, provenance in its README), else shared/.
const SPEC_PATH = [
  join(import.meta.dir, "../fixtures/zulip/openapi-zulip-normalized-2025-10.yaml"),
  join(import.meta.dir, "../../../shared/zulip/openapi-zulip-normalized-2025-10.yaml"),
  join(import.meta.dir, "../../shared/zulip/openapi-zulip-normalized-2025-10.yaml"),
].find((p) => existsSync(p));

type Schema = Record<string, any>;
let spec: Schema | null = null;
const compiled = new Map<string, ValidateFunction | null>();
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

function loadSpec(): Schema {
  if (spec) return spec;
  if (!SPEC_PATH) throw new Error("Zulip OpenAPI spec not found beside the checkout (../shared/zulip/)");
  spec = YAML.parse(readFileSync(SPEC_PATH, "utf8"), { maxAliasCount: -1 }) as Schema;
  return spec;
}

function deref(s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 20 && cur && typeof cur === "object" && cur.$ref; i++) {
    const path = String(cur.$ref).replace(/^#\//, "").split("/");
    cur = path.reduce((o: any, k) => o?.[k], loadSpec());
  }
  return cur;
}

function normalize(s: any, depth = 0): any {
  if (depth > 60 || s === null || typeof s !== "object") return s;
  if (Array.isArray(s)) return s.map((x) => normalize(x, depth + 1));
  if (s.$ref) return normalize(deref(s), depth + 1);
  let out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "example" || k === "examples" || k === "description" || k.startsWith("x-")) continue;
    out[k] = v;
  }
  if (out.allOf) {
    const parts = (out.allOf as any[]).map((p) => normalize(p, depth + 1));
    delete out.allOf;
    const merged: Schema = { ...out };
    let closed = false;
    for (const p of parts) {
      if (p.additionalProperties === false) closed = true;
      for (const [k, v] of Object.entries(p)) {
        if (k === "properties") merged.properties = { ...(merged.properties ?? {}), ...(v as object) };
        else if (k === "required") merged.required = [...new Set([...(merged.required ?? []), ...(v as string[])])];
        else if (k === "additionalProperties") continue;
        else if (!(k in merged)) merged[k] = v;
      }
    }
    if (closed) merged.additionalProperties = false;
    else if (parts.some((p) => typeof p.additionalProperties === "object")) {
      merged.additionalProperties = parts.find((p) => typeof p.additionalProperties === "object")!.additionalProperties;
    }
    out = merged;
  }
  for (const key of ["properties", "patternProperties"]) {
    if (out[key]) out[key] = Object.fromEntries(Object.entries(out[key]).map(([k, v]) => [k, normalize(v, depth + 1)]));
  }
  for (const key of ["items", "not"]) if (out[key]) out[key] = normalize(out[key], depth + 1);
  if (out.additionalProperties && typeof out.additionalProperties === "object") {
    out.additionalProperties = normalize(out.additionalProperties, depth + 1);
  }
  if (out.oneOf) {
    out.anyOf = normalize(out.oneOf, depth + 1);
    delete out.oneOf;
  } else if (out.anyOf) out.anyOf = normalize(out.anyOf, depth + 1);
  if (out.nullable) {
    delete out.nullable;
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    if (!out.type && !out.enum) out = { anyOf: [out, { type: "null" }] };
  }
  return out;
}

/** Finds the spec path template for a concrete path, e.g. /users/12 → /users/{user_id_or_email}. */
export function specPathFor(path: string): string | null {
  const paths = Object.keys(loadSpec().paths ?? {});
  if (paths.includes(path)) return path;
  const segs = path.split("/");
  let best: string | null = null;
  let bestLiteral = -1;
  for (const p of paths) {
    const ps = p.split("/");
    if (ps.length !== segs.length) continue;
    let literal = 0;
    let ok = true;
    for (let i = 0; i < ps.length; i++) {
      if (ps[i]!.startsWith("{")) continue;
      if (ps[i] !== segs[i]) {
        ok = false;
        break;
      }
      literal++;
    }
    if (ok && literal > bestLiteral) {
      best = p;
      bestLiteral = literal;
    }
  }
  return best;
}

function validatorFor(method: string, template: string, status: number): ValidateFunction | null {
  const key = `${method} ${template} ${status}`;
  if (compiled.has(key)) return compiled.get(key)!;
  const op = loadSpec().paths?.[template]?.[method.toLowerCase()];
  const resp = op?.responses?.[String(status)] ?? null;
  const schema = resp ? normalize(resp)?.content?.["application/json"]?.schema : null;
  const v = schema ? ajv.compile(normalize(schema)) : null;
  compiled.set(key, v);
  return v;
}

export class OpenApiMismatch extends Error {}

/**
 * Throws when `body` does not match what Zulip documents for this method, path and status.
 * Returns false when the spec documents nothing for it (Hearth-only endpoints).
 */
export function validateResponse(method: string, path: string, status: number, body: unknown): boolean {
  const template = specPathFor(path);
  if (!template) return false;
  const v = validatorFor(method, template, status);
  if (!v) return false;
  if (!v(body)) {
    const errs = (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`);
    throw new OpenApiMismatch(`${method} ${path} (${template}) ${status} does not match Zulip's OpenAPI schema:\n  ${errs.join("\n  ")}\nbody: ${JSON.stringify(body).slice(0, 1500)}`);
  }
  return true;
}

/** The schema of one event type from GET /events (matched by type and op), for event tests. */
export function validateEvent(event: Record<string, unknown>): boolean {
  const key = "event-any";
  let v = compiled.get(key);
  if (v === undefined) {
    const op = loadSpec().paths["/events"].get;
    // content is not walked by normalize (like validatorFor, normalize the schema itself).
    const schema = normalize(normalize(op.responses["200"]).content["application/json"].schema);
    const itemSchema = schema.properties.events.items;
    v = ajv.compile(itemSchema);
    compiled.set(key, v);
  }
  if (!v!(event)) {
    throw new OpenApiMismatch(`event ${JSON.stringify(event).slice(0, 800)} matches no event schema in Zulip's OpenAPI`);
  }
  return true;
}
