// Logs: JSON lines or readable text, HEARTH_LOG_LEVEL, errors with stacks but never secrets
// or message content, and error reports to HEARTH_ADMINS through a pluggable sender.
import { test, expect } from "bun:test";
import { Hono } from "hono";
import { join } from "node:path";
import { forEachDialect } from "../helpers/app.ts";
import { ApiRouter } from "../../src/http/router.ts";
import { createLogger } from "../../src/lib/log.ts";
import { insertUser } from "../../src/db/repo/users.ts";
import { ErrorReporter, type ErrorMail } from "../../src/ops/alerts.ts";
import { DIALECTS, freshDatabase } from "../helpers/db.ts";
import type { Tx } from "../../src/db/types.ts";

const SECRET_PASSWORD = "hunter2-very-secret";
const CONTENT = "the CEO's private plans for Q3";

forEachDialect("logs", (t) => {
  test("an unhandled error is logged with its stack and request id, without secrets or message content", async () => {
    const user = await t.user();
    const lines: string[] = [];
    const log = createLogger({ level: "info", format: "json", write: (l) => lines.push(l) });
    const r = new ApiRouter();
    // A handler that fails inside the database with the message text and a key among the
    // bound values: drizzle puts those parameters into its error message.
    r.post("/explode", async (ctx) => {
      await ctx.deps.store.withTx((tx: Tx) =>
        insertUser(tx, { realmId: ctx.realm!.id, email: user.email, deliveryEmail: user.email, fullName: CONTENT, apiKey: user.apiKey }));
      return {};
    });
    const hono = new Hono();
    hono.use("*", async (c, next) => {
      c.set("requestId" as never, "req-123" as never);
      await next();
    });
    r.mount(hono, { ...t.app.deps, log });
    const res = await hono.fetch(new Request("http://testserver/api/v1/explode", {
      method: "POST",
      headers: { authorization: "Basic " + btoa(`${user.email}:${user.apiKey}`), "content-type": "application/x-www-form-urlencoded", cookie: "sessionid=abc" },
      body: new URLSearchParams({ content: CONTENT, password: SECRET_PASSWORD, api_key: user.apiKey }),
    }));
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ result: "error", msg: "Internal server error", code: "INTERNAL_SERVER_ERROR", request_id: "req-123" });
    const errorLine = lines.map((l) => JSON.parse(l)).find((l) => l.level === "error");
    expect(errorLine.request_id).toBe("req-123");
    expect(errorLine.err.stack).toContain("at ");
    // Postgres errors come wrapped by drizzle with the bound values appended; they are scrubbed.
    if (t.dialect === "pg") expect(errorLine.err.message).toContain("params: [redacted]");
    const all = lines.join("\n");
    expect(all).not.toContain(CONTENT);
    expect(all).not.toContain(user.apiKey);
    expect(all).not.toContain(SECRET_PASSWORD);
    expect(JSON.stringify(body)).not.toContain("insert");
  });

  test("error reports go to HEARTH_ADMINS through the sender hook, redacted and rate-limited", async () => {
    const mails: ErrorMail[] = [];
    const reporter = t.app.ops.errorReports;
    reporter.setSender((m) => void mails.push(m));
    try {
      const err = new Error("database went away");
      t.app.log.error("unhandled error", { request_id: "r1", err, password: SECRET_PASSWORD, content: CONTENT });
      t.app.log.error("unhandled error", { request_id: "r2", err }); // same error within the interval: suppressed
      t.app.log.warn("not an error", {});
      await Bun.sleep(10);
      expect(mails.length).toBe(1);
      expect(mails[0]!.to).toEqual(["ops@example.com", "cto@example.com"]);
      expect(mails[0]!.subject).toBe("[hearth] unhandled error: database went away");
      expect(mails[0]!.text).toContain("request_id: r1");
      expect(mails[0]!.text).toContain("at ");
      expect(mails[0]!.text).not.toContain(SECRET_PASSWORD);
      expect(mails[0]!.text).not.toContain(CONTENT);
      expect(reporter.suppressed).toBe(1);
    } finally {
      reporter.setSender(null);
    }
  });
}, { config: { admins: "ops@example.com, cto@example.com" } });

test("without admins or without a sender nothing is sent; a global cap bounds an error storm", () => {
  const mails: ErrorMail[] = [];
  const none = new ErrorReporter([]);
  none.setSender((m) => void mails.push(m));
  none.report("x", {});
  let now = 0;
  const r = new ErrorReporter(["a@b.c"], { maxPerHour: 3, now: () => now });
  r.report("no sender yet", {});
  r.setSender((m) => void mails.push(m));
  for (let i = 0; i < 10; i++) r.report(`distinct ${i}`, {});
  return Bun.sleep(5).then(() => {
    expect(mails.length).toBe(3);
    now += 3_600_001;
    r.report("after an hour", {});
    return Bun.sleep(5).then(() => expect(mails.length).toBe(4));
  });
});

test("JSON lines or readable text, and the level filter", () => {
  const json: string[] = [];
  const l = createLogger({ level: "warn", format: "json", write: (s) => json.push(s) });
  l.info("hidden");
  l.warn("shown", { user_id: 3, api_key: "abc", content: "private" });
  expect(json.length).toBe(1);
  const rec = JSON.parse(json[0]!);
  expect(rec).toMatchObject({ level: "warn", msg: "shown", user_id: 3, api_key: "[redacted]", content: "[redacted]" });
  expect(typeof rec.time).toBe("string");
  const pretty: string[] = [];
  createLogger({ level: "debug", format: "pretty", write: (s) => pretty.push(s) }).debug("request", { status: 200, route: "/x" });
  expect(pretty[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z DEBUG request status=200 route=\/x$/);
});

test("HEARTH_LOG_LEVEL reaches the server's logger", async () => {
  const db = await freshDatabase(DIALECTS[0]!);
  const root = join(import.meta.dir, "../..");
  try {
    const out: Record<string, string> = {};
    for (const level of ["debug", "error"]) {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const p = Bun.spawn([process.execPath, "src/main.ts", "serve"], {
        cwd: root, stdout: "pipe", stderr: "ignore",
        env: { PATH: process.env.PATH ?? "", DATABASE_URL: db.url, HEARTH_DATA_DIR: join(db.dataDir, "data"), PORT: String(port), HEARTH_LOG_LEVEL: level, HEARTH_LOG_FORMAT: "json" },
      });
      for (let i = 0; i < 100; i++) {
        if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) break;
        await Bun.sleep(100);
      }
      p.kill("SIGTERM");
      await p.exited;
      out[level] = await new Response(p.stdout).text();
    }
    // debug shows the quiet health-probe request lines; error shows nothing at all on a clean run.
    expect(out.debug).toContain('"route":"/health"');
    expect(out.debug).toContain('"msg":"listening"');
    expect(out.error).toBe("");
  } finally {
    await db.drop();
  }
}, 60_000);
