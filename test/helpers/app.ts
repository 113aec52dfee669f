// Test twin of `hearth serve`: the real app (createApp) on a fresh database, driven through
// app.request-style calls (no socket) or a real listener when a test needs one. Every API
// response is validated against Zulip's OpenAPI schema unless a test opts out.
import { describe, beforeAll, afterAll } from "bun:test";
import { createApp, type App, type AppOptions } from "../../src/app/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config, SettingKey } from "../../src/config/definition.ts";
import { silentLogger, createLogger } from "../../src/lib/log.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { createUser } from "../../src/actions/users.ts";
import type { RealmRow } from "../../src/db/repo/realms.ts";
import type { UserRow } from "../../src/db/repo/users.ts";
import { DIALECTS, freshDatabase, type FreshDb, type TestDialect } from "./db.ts";
import { validateResponse } from "./openapi.ts";

export interface TestUser extends UserRow {
  /** the plain password, when the helper set one */
  password?: string;
}

export interface ApiCallOptions {
  as?: { email: string; apiKey: string } | null;
  params?: Record<string, unknown>;
  /** send params as multipart/form-data (zulip-js does this for every POST) */
  multipart?: boolean;
  headers?: Record<string, string>;
  host?: string;
  /** "api" → /api/v1 (default), "json" → /json, "raw" → path as given */
  surface?: "api" | "json" | "raw";
  /** skip OpenAPI validation (for deliberately malformed requests whose error shape we check ourselves) */
  validate?: boolean;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export function testConfig(db: FreshDb, overrides: Partial<Record<SettingKey, unknown>> = {}): Config {
  return loadConfig({
    env: {},
    configFile: null,
    overrides: {
      dataDir: db.dataDir,
      databaseUrl: db.url,
      port: 0,
      externalHost: "testserver",
      secretKey: "test-secret-key-for-hearth-tests-only",
      databasePoolSize: 5,
      ...overrides,
    },
  });
}

export class TestEnv {
  dialect: TestDialect;
  db!: FreshDb;
  app!: App;
  realm!: RealmRow;
  private seq = 0;

  constructor(dialect: TestDialect) {
    this.dialect = dialect;
  }

  get deps() {
    return this.app.deps;
  }
  get store() {
    return this.app.store;
  }

  async setup(overrides: Partial<Record<SettingKey, unknown>> = {}, appOpts: AppOptions = {}) {
    this.db = await freshDatabase(this.dialect);
    const log = process.env.HEARTH_TEST_LOG ? createLogger({ level: "debug", format: "pretty" }) : silentLogger;
    this.app = await createApp(testConfig(this.db, overrides), { log, migrate: true, ...appOpts });
    this.realm = await createRealm(this.app.deps, { name: "Test Org", subdomain: "" });
  }

  async teardown() {
    await this.app?.stop({ graceMs: 100 }).catch(() => {});
    await this.db?.drop().catch(() => {});
  }

  /** Creates a user with a unique email; role by Zulip code (default member). */
  async user(opts: { role?: number; fullName?: string; email?: string; password?: string; realmId?: number; isBot?: boolean; botType?: number; botOwnerId?: number } = {}): Promise<TestUser> {
    const n = ++this.seq;
    const password = opts.password;
    const u = await createUser(this.app.deps, {
      realmId: opts.realmId ?? this.realm.id,
      email: opts.email ?? `user${n}@example.com`,
      fullName: opts.fullName ?? `User ${n}`,
      role: opts.role,
      password,
      isBot: opts.isBot,
      botType: opts.botType,
      botOwnerId: opts.botOwnerId,
    });
    return { ...u, password };
  }

  /** Calls the API like a Zulip client would. */
  async api<T = any>(method: string, path: string, opts: ApiCallOptions = {}): Promise<ApiResponse<T>> {
    const surface = opts.surface ?? "api";
    const prefix = surface === "api" ? "/api/v1" : surface === "json" ? "/json" : "";
    const url = new URL(`http://${opts.host ?? "testserver"}${prefix}${path}`);
    const headers = new Headers(opts.headers);
    if (opts.as) headers.set("authorization", "Basic " + Buffer.from(`${opts.as.email}:${opts.as.apiKey}`).toString("base64"));
    let body: BodyInit | undefined;
    const entries = Object.entries(opts.params ?? {}).filter(([, v]) => v !== undefined);
    const enc = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    if (method === "GET" || method === "HEAD") {
      for (const [k, v] of entries) url.searchParams.set(k, enc(v));
    } else if (opts.multipart) {
      const fd = new FormData();
      for (const [k, v] of entries) fd.append(k, v instanceof Blob ? v : enc(v));
      // Bun drops FormData's automatic content-type when explicit headers are given:
      // serialize it here so the boundary header is always sent, as zulip-js does.
      const encoded = new Response(fd);
      headers.set("content-type", encoded.headers.get("content-type")!);
      body = await encoded.arrayBuffer();
    } else if (entries.length) {
      body = new URLSearchParams(entries.map(([k, v]) => [k, enc(v)]));
    }
    const res = await this.app.http.fetch(new Request(url, { method, headers, body }));
    const text = await res.text();
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (opts.validate !== false && surface !== "raw" && typeof parsed === "object") {
      validateResponse(method, path.split("?")[0]!, res.status, parsed);
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
}

/**
 * Runs `fn` once per available dialect (SQLite, and PostgreSQL when reachable; required
 * under CI), each with its own fresh database and app.
 */
export function forEachDialect(
  name: string,
  fn: (t: TestEnv) => void,
  opts: { config?: Partial<Record<SettingKey, unknown>>; app?: AppOptions } = {},
) {
  for (const dialect of DIALECTS) {
    describe(`${name} [${dialect}]`, () => {
      const t = new TestEnv(dialect);
      beforeAll(() => t.setup(opts.config, opts.app), 60_000);
      afterAll(() => t.teardown(), 30_000);
      fn(t);
    });
  }
}
