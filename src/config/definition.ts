// One typed definition of every setting. Each key says its env var, its flag (if any),
// its default, what it means, and how to validate it. `hearth help config` prints this
// table, and README's configuration section is written from it.
//
// Sources, strongest first: command-line flag > environment > hearth.toml > default.

export type SettingKind = "string" | "int" | "bool" | "enum" | "url";

export interface SettingDef<T> {
  env: string;
  /** name in hearth.toml (snake_case) */
  file: string;
  flag?: string;
  kind: SettingKind;
  default: T;
  doc: string;
  values?: readonly string[];
  /** secrets are never printed or logged */
  secret?: boolean;
  min?: number;
  max?: number;
}

function def<T>(d: SettingDef<T>): SettingDef<T> {
  return d;
}

export const settings = {
  // --- where things live -------------------------------------------------------------
  dataDir: def({
    env: "HEARTH_DATA_DIR", file: "data_dir", flag: "data-dir", kind: "string", default: "./data",
    doc: "Directory for the SQLite database, local uploads and generated secrets.",
  }),
  databaseUrl: def({
    env: "DATABASE_URL", file: "database_url", kind: "url", default: "", secret: true,
    doc: "postgres://user:pass@host:5432/db selects PostgreSQL; empty means SQLite at <data_dir>/hearth.db; sqlite:///path/file.db picks another SQLite file.",
  }),
  databaseSslmode: def({
    env: "HEARTH_DATABASE_SSLMODE", file: "database_sslmode", kind: "enum", default: "disable",
    values: ["disable", "prefer", "require", "verify-ca", "verify-full"] as const,
    doc: "TLS to a remote PostgreSQL, as libpq's sslmode (Zulip's REMOTE_POSTGRES_SSLMODE).",
  }),
  databasePoolSize: def({
    env: "HEARTH_DATABASE_POOL_SIZE", file: "database_pool_size", kind: "int", default: 10, min: 1, max: 500,
    doc: "PostgreSQL connections per process.",
  }),
  sqliteSynchronous: def({
    env: "HEARTH_SQLITE_SYNCHRONOUS", file: "sqlite_synchronous", kind: "enum", default: "NORMAL",
    values: ["NORMAL", "FULL"] as const,
    doc: "SQLite durability. NORMAL (WAL) loses nothing on a process crash but may lose the last transactions on an OS crash or power loss; FULL fsyncs every commit (about 3x slower writes).",
  }),
  // --- network ----------------------------------------------------------------------
  host: def({
    env: "HOST", file: "host", flag: "host", kind: "string", default: "127.0.0.1",
    doc: "Address to listen on. Use 0.0.0.0 to accept connections from other machines.",
  }),
  port: def({
    env: "PORT", file: "port", flag: "port", kind: "int", default: 8080, min: 0, max: 65535,
    doc: "TCP port to listen on (0 picks a free port).",
  }),
  externalHost: def({
    env: "HEARTH_EXTERNAL_HOST", file: "external_host", kind: "string", default: "",
    doc: "Public host name (and port) users reach, e.g. chat.example.com. Realms are served at <subdomain>.<external_host>; the realm with an empty subdomain at the host itself. Empty: localhost:<port>.",
  }),
  externalScheme: def({
    env: "HEARTH_EXTERNAL_SCHEME", file: "external_scheme", kind: "enum", default: "http", values: ["http", "https"] as const,
    doc: "Scheme of the public URL (https behind a TLS proxy). Decides the Secure flag on cookies.",
  }),
  trustedProxies: def({
    env: "HEARTH_TRUSTED_PROXIES", file: "trusted_proxies", kind: "string", default: "127.0.0.1,::1",
    doc: "Comma-separated proxy addresses whose X-Forwarded-For / X-Forwarded-Proto headers are believed.",
  }),
  // --- secrets ----------------------------------------------------------------------
  secretKey: def({
    env: "HEARTH_SECRET_KEY", file: "secret_key", kind: "string", default: "", secret: true,
    doc: "Signs sessions and temporary URLs. Generated on first start into <data_dir>/secrets.json (mode 0600) when unset. Losing it logs everybody out.",
  }),
  // --- behaviour --------------------------------------------------------------------
  logLevel: def({
    env: "HEARTH_LOG_LEVEL", file: "log_level", kind: "enum", default: "info",
    values: ["debug", "info", "warn", "error", "silent"] as const,
    doc: "Least severe log level written to stdout.",
  }),
  logFormat: def({
    env: "HEARTH_LOG_FORMAT", file: "log_format", kind: "enum", default: "auto", values: ["auto", "json", "pretty"] as const,
    doc: "JSON lines, human-readable, or auto (pretty on a terminal, JSON otherwise).",
  }),
  developmentMode: def({
    env: "HEARTH_DEVELOPMENT", file: "development", kind: "bool", default: false,
    doc: "Enables development-only endpoints such as /api/v1/dev_fetch_api_key. Never in production.",
  }),
  shutdownGraceSeconds: def({
    env: "HEARTH_SHUTDOWN_GRACE_SECONDS", file: "shutdown_grace_seconds", kind: "int", default: 10, min: 0, max: 600,
    doc: "How long SIGTERM waits for in-flight requests before closing.",
  }),
  // --- real-time events (src/events/) -------------------------------------------------
  eventHeartbeatSeconds: def({
    env: "HEARTH_EVENT_HEARTBEAT_SECONDS", file: "event_heartbeat_seconds", kind: "int", default: 45, min: 1, max: 80,
    doc: "A held GET /events is answered with a heartbeat event after this many seconds without events. Must stay below event_queue_longpoll_timeout_seconds (90), which clients use as their HTTP timeout.",
  }),
  eventQueueIdleSeconds: def({
    env: "HEARTH_EVENT_QUEUE_IDLE_SECONDS", file: "event_queue_idle_seconds", kind: "int", default: 600, min: 1, max: 7 * 24 * 3600,
    doc: "An event queue nobody polled or attached to for this long is collected; its client gets BAD_EVENT_QUEUE_ID and re-registers (Zulip: 10 minutes).",
  }),
  eventQueueMaxBytes: def({
    env: "HEARTH_EVENT_QUEUE_MAX_BYTES", file: "event_queue_max_bytes", kind: "int", default: 4 * 1024 * 1024, min: 1024, max: 1024 * 1024 * 1024,
    doc: "Most serialized event bytes one queue may hold unacknowledged. A queue over the cap is dropped (its client gets BAD_EVENT_QUEUE_ID and re-registers), which bounds the memory a stalled client can pin.",
  }),
} as const;

export type Settings = typeof settings;
export type SettingKey = keyof Settings;
export type Config = { [K in SettingKey]: Settings[K]["default"] } & {
  /** where each value came from, for `hearth config` and error messages */
  readonly sources: Record<SettingKey, "flag" | "env" | "file" | "default" | "generated">;
  readonly configFile: string | null;
};
