// Structured logging: JSON lines on stdout (one object per line), or a readable form on a
// terminal. Secret-looking keys are masked wherever they appear.

export type Level = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
// Message bodies are users' private data, not ours to log: `content` fields are masked like secrets.
const SECRET_KEY = /pass(word)?|api_?key|secret|token|authorization|cookie|csrf|^(rendered_|raw_)?content$/i;
// drizzle's query errors append the bound values ("params: …"): message text, keys, hashes.
const QUERY_PARAMS = /\nparams: [^\n]*/g;
const scrub = (s: string | undefined) => s?.replace(QUERY_PARAMS, "\nparams: [redacted]");

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  readonly level: Level;
}

export interface LoggerOptions {
  level?: Level;
  format?: "auto" | "json" | "pretty";
  /** where lines go; default stdout */
  write?: (line: string) => void;
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    return { name: value.name, message: scrub(value.message), stack: scrub(value.stack) };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && typeof v !== "boolean" ? "[redacted]" : redact(v, depth + 1);
  }
  return out;
}

export function createLogger(opts: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const level = opts.level ?? "info";
  const pretty = opts.format === "pretty" || (opts.format !== "json" && process.stdout.isTTY === true);
  const write = opts.write ?? ((line: string) => process.stdout.write(line + "\n"));
  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const rec = redact({ ...base, ...fields }) as Record<string, unknown>;
    if (pretty) {
      const extra = Object.entries(rec)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      write(`${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${msg}${extra ? " " + extra : ""}`);
    } else {
      write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...rec }));
    }
  };
  return {
    level,
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

export const silentLogger: Logger = createLogger({ level: "silent" });
