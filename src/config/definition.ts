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
  // --- signing in (docs/auth.md) -----------------------------------------------------
  sessionDays: def({
    env: "HEARTH_SESSION_DAYS", file: "session_days", kind: "int", default: 14, min: 1, max: 365,
    doc: "How long a web session lasts after login.",
  }),
  passwordMinLength: def({
    env: "HEARTH_PASSWORD_MIN_LENGTH", file: "password_min_length", kind: "int", default: 8, min: 1, max: 128,
    doc: "Minimum password length.",
  }),
  passwordMinClasses: def({
    env: "HEARTH_PASSWORD_MIN_CLASSES", file: "password_min_classes", kind: "int", default: 1, min: 1, max: 4,
    doc: "Strength rule: how many character classes (lower case, upper case, digits, other) a new password must mix.",
  }),
  rateLimitPerMinute: def({
    env: "HEARTH_RATE_LIMIT_PER_MINUTE", file: "rate_limit_per_minute", kind: "int", default: 200, min: 0, max: 1_000_000,
    doc: "API requests per minute per user (per IP for anonymous requests); 0 disables rate limiting.",
  }),
  authRateLimitPerMinute: def({
    env: "HEARTH_AUTH_RATE_LIMIT_PER_MINUTE", file: "auth_rate_limit_per_minute", kind: "int", default: 10, min: 0, max: 100_000,
    doc: "Login and fetch_api_key attempts per minute, per IP and per username (brute-force protection); 0 disables.",
  }),
  jwtKeys: def({
    env: "HEARTH_JWT_KEYS", file: "jwt_keys", kind: "string", default: "", secret: true,
    doc: 'JWT login keys per realm subdomain, as JSON: {"<subdomain>": {"algorithm": "HS256", "key": "<secret>"}} or {"algorithm": "RS256", "key": "<PEM public key>"}. Empty disables /jwt/fetch_api_key.',
  }),
  remoteUserHeader: def({
    env: "HEARTH_REMOTE_USER_HEADER", file: "remote_user_header", kind: "string", default: "",
    doc: "Trusted-header SSO (Zulip's REMOTE_USER): the header a trusted proxy sets to the authenticated user, e.g. Remote-User. Empty disables.",
  }),
  remoteUserProxies: def({
    env: "HEARTH_REMOTE_USER_PROXIES", file: "remote_user_proxies", kind: "string", default: "",
    doc: "Comma-separated peer addresses allowed to set the remote-user header; from any other address it is ignored.",
  }),
  remoteUserDomain: def({
    env: "HEARTH_REMOTE_USER_DOMAIN", file: "remote_user_domain", kind: "string", default: "",
    doc: "Domain appended to a remote-user value without @ (Zulip's SSO_APPEND_DOMAIN).",
  }),
  // --- uploads (docs/uploads.md) -------------------------------------------------------
  maxFileUploadSizeMib: def({
    env: "HEARTH_MAX_FILE_UPLOAD_SIZE", file: "max_file_upload_size", kind: "int", default: 25, min: 0, max: 102_400,
    doc: "Largest uploaded file, in MiB (Zulip's MAX_FILE_UPLOAD_SIZE). 0 disables file uploads; clients read it as max_file_upload_size_mib from /register. The default is Zulip's pre-tus 25: without resumable uploads, bigger files often fail on slow links.",
  }),
  maxAvatarFileSizeMib: def({
    env: "HEARTH_MAX_AVATAR_FILE_SIZE", file: "max_avatar_file_size", kind: "int", default: 5, min: 1, max: 1024,
    doc: "Largest avatar, realm icon or realm logo image, in MiB.",
  }),
  realmUploadQuotaMib: def({
    env: "HEARTH_REALM_UPLOAD_QUOTA", file: "realm_upload_quota", kind: "int", default: 0, min: 0, max: 1_000_000_000,
    doc: "Total size of the files one organization may upload, in MiB (Zulip's per-plan upload quota). 0: no quota.",
  }),
  uploadsBackend: def({
    env: "HEARTH_UPLOADS_BACKEND", file: "uploads_backend", kind: "enum", default: "local", values: ["local", "s3"] as const,
    doc: "Where uploads, avatars, realm icons and logos are stored: a local directory, or S3 / an S3-compatible store (the HEARTH_S3_* settings).",
  }),
  localUploadsDir: def({
    env: "HEARTH_LOCAL_UPLOADS_DIR", file: "local_uploads_dir", kind: "string", default: "",
    doc: "Directory of the local backend (Zulip's LOCAL_UPLOADS_DIR). Empty: <data_dir>/uploads. Also where transfer-to-s3 reads from.",
  }),
  s3EndpointUrl: def({
    env: "HEARTH_S3_ENDPOINT_URL", file: "s3_endpoint_url", kind: "url", default: "",
    doc: "S3 endpoint (Zulip's S3_ENDPOINT_URL), e.g. https://s3.eu-central-1.amazonaws.com or a MinIO/Garage/R2 URL. Empty: AWS for the region.",
  }),
  s3Region: def({
    env: "HEARTH_S3_REGION", file: "s3_region", kind: "string", default: "",
    doc: "S3 region (Zulip's S3_REGION), e.g. eu-central-1. Empty: us-east-1, or what the endpoint implies.",
  }),
  s3AuthUploadsBucket: def({
    env: "HEARTH_S3_AUTH_UPLOADS_BUCKET", file: "s3_auth_uploads_bucket", kind: "string", default: "",
    doc: "Bucket for message uploads (Zulip's S3_AUTH_UPLOADS_BUCKET). Must NOT be world-readable: Hearth checks access, then redirects to a presigned URL valid for 60 seconds.",
  }),
  s3AvatarBucket: def({
    env: "HEARTH_S3_AVATAR_BUCKET", file: "s3_avatar_bucket", kind: "string", default: "",
    doc: "Bucket for avatars, realm icons and logos (Zulip's S3_AVATAR_BUCKET). May be world-readable (see HEARTH_S3_AVATAR_PUBLIC_URL).",
  }),
  s3AvatarPublicUrl: def({
    env: "HEARTH_S3_AVATAR_PUBLIC_URL", file: "s3_avatar_public_url", kind: "url", default: "",
    doc: "Public base URL of a world-readable avatar bucket (e.g. https://bucket.s3.amazonaws.com). Empty: avatars are served through short presigned URLs instead.",
  }),
  s3AccessKey: def({
    env: "HEARTH_S3_KEY", file: "s3_key", kind: "string", default: "", secret: true,
    doc: "S3 access key id (Zulip's s3_key). Empty: Bun's S3 client falls back to S3_ACCESS_KEY_ID / AWS_ACCESS_KEY_ID.",
  }),
  s3SecretKey: def({
    env: "HEARTH_S3_SECRET_KEY", file: "s3_secret_key", kind: "string", default: "", secret: true,
    doc: "S3 secret access key (Zulip's s3_secret_key).",
  }),
  s3UploadsStorageClass: def({
    env: "HEARTH_S3_UPLOADS_STORAGE_CLASS", file: "s3_uploads_storage_class", kind: "enum", default: "STANDARD",
    values: ["STANDARD", "STANDARD_IA", "ONEZONE_IA", "REDUCED_REDUNDANCY", "GLACIER_IR", "INTELLIGENT_TIERING"] as const,
    doc: "Storage class of new message uploads (Zulip's S3_UPLOADS_STORAGE_CLASS); existing objects keep theirs.",
  }),
  s3SkipChecksum: def({
    env: "HEARTH_S3_SKIP_CHECKSUM", file: "s3_skip_checksum", kind: "bool", default: false,
    doc: "For stores whose ETag is not the MD5 of the object (Zulip's S3_SKIP_CHECKSUM, e.g. Google Cloud Storage): verify copies by size only instead of size and MD5.",
  }),
  unclaimedUploadGraceDays: def({
    env: "HEARTH_UNCLAIMED_UPLOAD_GRACE_DAYS", file: "unclaimed_upload_grace_days", kind: "int", default: 21, min: 1, max: 3650,
    doc: "Uploads referenced by no message are deleted by `hearth uploads cleanup` (and the scheduled job) this many days after upload.",
  }),
  enableGravatar: def({
    env: "HEARTH_ENABLE_GRAVATAR", file: "enable_gravatar", kind: "bool", default: false,
    doc: "Use Gravatar for users without an uploaded avatar (Zulip's ENABLE_GRAVATAR). Off by default: Hearth draws an initials avatar itself, so viewers' browsers contact no third party.",
  }),
  shutdownGraceSeconds: def({
    env: "HEARTH_SHUTDOWN_GRACE_SECONDS", file: "shutdown_grace_seconds", kind: "int", default: 10, min: 0, max: 600,
    doc: "How long SIGTERM waits for in-flight requests before closing.",
  }),
  // --- operations (docs/operations.md) ---------------------------------------------
  readOnly: def({
    env: "HEARTH_READONLY", file: "readonly", kind: "bool", default: false,
    doc: "Read-only mode for maintenance: reads work, every write route answers 503 READ_ONLY_MODE.",
  }),
  backoffSeconds: def({
    env: "HEARTH_BACKOFF_SECONDS", file: "backoff_seconds", kind: "int", default: 0, min: 0, max: 86400,
    doc: "When above 0, every response carries `Backoff: N` asking clients to slow down (switch on before maintenance).",
  }),
  metricsToken: def({
    env: "HEARTH_METRICS_TOKEN", file: "metrics_token", kind: "string", default: "", secret: true,
    doc: "Bearer token that grants access to /metrics from any address.",
  }),
  metricsAllow: def({
    env: "HEARTH_METRICS_ALLOW", file: "metrics_allow", kind: "string", default: "127.0.0.1,::1",
    doc: "Comma-separated client addresses allowed to read /metrics without the token (empty: token only).",
  }),
  admins: def({
    env: "HEARTH_ADMINS", file: "admins", kind: "string", default: "",
    doc: "Comma-separated addresses that receive server error reports by email (through the mail queue).",
  }),
  backupDir: def({
    env: "HEARTH_BACKUP_DIR", file: "backup_dir", kind: "string", default: "",
    doc: "Where scheduled backups are written and `hearth check --backups` looks. Empty: <data_dir>/backups.",
  }),
  backupSchedule: def({
    env: "HEARTH_BACKUP_SCHEDULE", file: "backup_schedule", kind: "string", default: "",
    doc: "Cron expression for scheduled backups, e.g. \"30 3 * * *\" (empty: no scheduled backups).",
  }),
  backupRetention: def({
    env: "HEARTH_BACKUP_RETENTION", file: "backup_retention", kind: "int", default: 7, min: 1, max: 10000,
    doc: "How many scheduled backups to keep; older ones are deleted after a successful backup.",
  }),
  presenceFlushSeconds: def({
    env: "HEARTH_PRESENCE_FLUSH_SECONDS", file: "presence_flush_seconds", kind: "int", default: 5, min: 1, max: 300,
    doc: "Presence is kept in memory and written to the database in batches this often (and at shutdown). A crash loses at most this much presence history.",
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
  // --- jobs, schedule, email (src/jobs, src/schedule, src/email) ---------------------
  workerConcurrency: def({
    env: "HEARTH_WORKER_CONCURRENCY", file: "worker_concurrency", kind: "int", default: 4, min: 1, max: 256,
    doc: "Jobs one process runs at the same time (email, outgoing webhooks, cleanups…).",
  }),
  jobPollSeconds: def({
    env: "HEARTH_JOB_POLL_SECONDS", file: "job_poll_seconds", kind: "int", default: 5, min: 1, max: 3600,
    doc: "Fallback poll of the job table. New jobs normally wake workers at once (in-process, and by Postgres NOTIFY between nodes).",
  }),
  jobLeaseSeconds: def({
    env: "HEARTH_JOB_LEASE_SECONDS", file: "job_lease_seconds", kind: "int", default: 60, min: 2, max: 3600,
    doc: "How long a claimed job stays claimed without a heartbeat; after a worker crashes, its jobs run again this long after the last heartbeat.",
  }),
  jobDeadRetentionDays: def({
    env: "HEARTH_JOB_DEAD_RETENTION_DAYS", file: "job_dead_retention_days", kind: "int", default: 30, min: 1, max: 3650,
    doc: "Dead jobs (attempts used up) are kept this long for `hearth jobs list --dead` and `jobs retry`, then purged.",
  }),
  emailUrl: def({
    env: "HEARTH_EMAIL_URL", file: "email_url", kind: "string", default: "", secret: true,
    doc: "Outgoing mail server, e.g. smtp://user:pass@mail.example.com:587 (STARTTLS when offered) or smtps://user:pass@host:465 (TLS). Empty: emails are not sent, only logged.",
  }),
  emailTls: def({
    env: "HEARTH_EMAIL_TLS", file: "email_tls", kind: "enum", default: "auto", values: ["auto", "starttls", "tls", "none"] as const,
    doc: "auto: implicit TLS for smtps://, else STARTTLS when the server offers it; starttls: require STARTTLS; tls: implicit TLS; none: never TLS (loopback relays only).",
  }),
  emailTlsVerify: def({
    env: "HEARTH_EMAIL_TLS_VERIFY", file: "email_tls_verify", kind: "bool", default: true,
    doc: "Verify the mail server's TLS certificate.",
  }),
  emailFrom: def({
    env: "HEARTH_EMAIL_FROM", file: "email_from", kind: "string", default: "",
    doc: "From address of every email, e.g. \"Hearth <noreply@chat.example.com>\". Empty: noreply@<external_host>.",
  }),
  missedMessageDelaySeconds: def({
    env: "HEARTH_MISSED_MESSAGE_DELAY_SECONDS", file: "missed_message_delay_seconds", kind: "int", default: 120, min: 0, max: 86400,
    doc: "A direct message or mention still unread this long after it was sent is emailed (one batched email per recipient).",
  }),
  outgoingWebhookTimeoutSeconds: def({
    env: "HEARTH_OUTGOING_WEBHOOK_TIMEOUT_SECONDS", file: "outgoing_webhook_timeout_seconds", kind: "int", default: 10, min: 1, max: 300,
    doc: "How long an outgoing-webhook bot's server may take to answer before the call is retried.",
  }),
} as const;

export type Settings = typeof settings;
export type SettingKey = keyof Settings;
export type Config = { [K in SettingKey]: Settings[K]["default"] } & {
  /** where each value came from, for `hearth config` and error messages */
  readonly sources: Record<SettingKey, "flag" | "env" | "file" | "default" | "generated">;
  readonly configFile: string | null;
};
