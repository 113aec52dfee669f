import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { settings, type Config, type SettingDef, type SettingKey } from "./definition.ts";

/** A configuration problem: printed as one line naming the setting, never a stack trace. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export interface LoadOptions {
  /** parsed --flags of the command line (name without dashes → value) */
  flags?: Record<string, string | boolean | undefined>;
  /** environment; defaults to process.env. Tests pass their own. */
  env?: Record<string, string | undefined>;
  /** explicit config file; else HEARTH_CONFIG, else ./hearth.toml when present */
  configFile?: string | null;
  /** overrides applied last (tests) */
  overrides?: Partial<Record<SettingKey, unknown>>;
}

function parseValue(key: string, d: SettingDef<unknown>, raw: unknown, origin: string): unknown {
  const where = `${key} (${origin})`;
  switch (d.kind) {
    case "int": {
      const n = typeof raw === "number" ? raw : Number(String(raw).trim());
      if (!Number.isInteger(n)) throw new ConfigError(`${where}: expected an integer, got ${JSON.stringify(raw)}`);
      if (d.min !== undefined && n < d.min) throw new ConfigError(`${where}: must be at least ${d.min}, got ${n}`);
      if (d.max !== undefined && n > d.max) throw new ConfigError(`${where}: must be at most ${d.max}, got ${n}`);
      return n;
    }
    case "bool": {
      if (typeof raw === "boolean") return raw;
      const s = String(raw).trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(s)) return true;
      if (["0", "false", "no", "off", ""].includes(s)) return false;
      throw new ConfigError(`${where}: expected true or false, got ${JSON.stringify(raw)}`);
    }
    case "enum": {
      const s = String(raw).trim();
      const match = d.values!.find((v) => v.toLowerCase() === s.toLowerCase());
      if (match === undefined) throw new ConfigError(`${where}: expected one of ${d.values!.join(", ")}, got ${JSON.stringify(raw)}`);
      return match;
    }
    case "url": {
      const s = String(raw).trim();
      if (s === "") return "";
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new ConfigError(`${where}: not a valid URL`);
      }
      if (!["postgres:", "postgresql:", "sqlite:", "file:", "smtp:", "smtps:", "http:", "https:"].includes(u.protocol)) {
        throw new ConfigError(`${where}: unsupported scheme ${u.protocol}`);
      }
      return s;
    }
    default:
      return String(raw);
  }
}

export function findConfigFile(opts: LoadOptions): string | null {
  const env = opts.env ?? process.env;
  if (opts.configFile !== undefined) return opts.configFile;
  const flag = opts.flags?.config;
  if (typeof flag === "string") return resolve(flag);
  if (env.HEARTH_CONFIG) return resolve(env.HEARTH_CONFIG);
  const local = resolve("hearth.toml");
  return existsSync(local) ? local : null;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`config file ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return Bun.TOML.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`config file ${path}: invalid TOML (${(e as Error).message.split("\n")[0]})`);
  }
}

/** Load and validate the whole configuration once. Nothing outside config/ reads process.env. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  const configFile = findConfigFile(opts);
  const file = configFile ? readConfigFile(configFile) : {};
  const knownFileKeys = new Set(Object.values(settings).map((d) => d.file));
  for (const k of Object.keys(file)) {
    if (!knownFileKeys.has(k)) throw new ConfigError(`config file ${configFile}: unknown setting "${k}"`);
  }
  const out: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const [key, d] of Object.entries(settings) as [SettingKey, SettingDef<unknown>][]) {
    let value: unknown = d.default;
    let source = "default";
    if (d.file in file) {
      value = parseValue(key, d, file[d.file], `${d.file} in ${configFile}`);
      source = "file";
    }
    const ev = env[d.env];
    if (ev !== undefined && ev !== "") {
      value = parseValue(key, d, ev, `environment variable ${d.env}`);
      source = "env";
    }
    if (d.flag && flags[d.flag] !== undefined) {
      value = parseValue(key, d, flags[d.flag], `--${d.flag}`);
      source = "flag";
    }
    if (opts.overrides && key in opts.overrides) {
      value = opts.overrides[key];
      source = "flag";
    }
    out[key] = value;
    sources[key] = source;
  }
  const cfg = out as Record<SettingKey, unknown>;
  cfg.dataDir = resolve(String(cfg.dataDir));
  if (!cfg.externalHost) cfg.externalHost = `localhost:${cfg.port}`;
  return { ...(cfg as object), sources, configFile } as Config;
}

const SECRETS_FILE = "secrets.json";

/**
 * Secrets not given by the operator are generated once and kept in the data directory
 * (mode 0600), so a restart keeps sessions and signed URLs valid.
 */
export function ensureSecrets(cfg: Config): Config {
  if (cfg.secretKey) return cfg;
  const path = join(cfg.dataDir, SECRETS_FILE);
  let stored: Record<string, string> = {};
  if (existsSync(path)) {
    try {
      stored = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      throw new ConfigError(`${path}: unreadable secrets file; fix or remove it (removing it logs everyone out)`);
    }
  }
  if (!stored.secret_key) {
    stored.secret_key = randomBytes(32).toString("base64url");
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(stored, null, 2) + "\n", { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return { ...cfg, secretKey: stored.secret_key, sources: { ...cfg.sources, secretKey: "generated" } };
}

/** Text of a fresh hearth.toml with generated secrets (used by `hearth init`). */
export function renderConfigFile(values: Partial<Record<SettingKey, unknown>>): string {
  const lines = ["# Hearth configuration. Environment variables and command-line flags override these.", ""];
  for (const [key, d] of Object.entries(settings) as [SettingKey, SettingDef<unknown>][]) {
    lines.push(`# ${d.doc}`);
    lines.push(`# env: ${d.env}${d.flag ? `, flag: --${d.flag}` : ""}`);
    const v = key in values ? values[key] : d.default;
    const rendered = typeof v === "string" ? JSON.stringify(v) : String(v);
    const commented = !(key in values);
    lines.push(`${commented ? "# " : ""}${d.file} = ${rendered}`, "");
  }
  return lines.join("\n");
}

/** A copy safe to print: secrets masked. */
export function redactedConfig(cfg: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(settings) as [SettingKey, SettingDef<unknown>][]) {
    const v = (cfg as Record<string, unknown>)[key];
    out[key] = d.secret && v ? (key === "databaseUrl" ? redactUrl(String(v)) : "********") : v;
  }
  return out;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    return u.toString();
  } catch {
    return "****";
  }
}
