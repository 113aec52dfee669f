// /metrics, the Kinto-style heartbeat endpoints, the Backoff header and read-only mode,
// on the real app of both dialects.
import { test, expect, beforeAll, afterAll } from "bun:test";
import { Hono } from "hono";
import { SMTPServer } from "smtp-server";
import { forEachDialect } from "../helpers/app.ts";
import { ApiRouter } from "../../src/http/router.ts";
import { routeWrites, readOnlyHook } from "../../src/ops/http.ts";
import { smtpCheck } from "../../src/ops/health.ts";
import { inTx } from "../../src/actions/tx.ts";

/** A strict reading of the Prometheus text format: every line is a comment or `name{labels} value`. */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const c = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (c) {
      if (c[1] === "TYPE") {
        expect(["counter", "gauge", "histogram", "summary", "untyped"]).toContain(c[3]!);
        expect(types.has(c[2]!)).toBe(false); // one TYPE per family
        types.set(c[2]!, c[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    out.set(m[1]! + (m[2] ?? ""), Number(m[3]));
  }
  return out;
}

const TOKEN = "metrics-token-for-tests";

forEachDialect("ops http", (t) => {
  const metrics = async (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
    const res = await t.app.http.fetch(new Request("http://testserver/metrics", { headers }));
    return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
  };

  test("/metrics needs the token or an allowed address", async () => {
    expect((await metrics({})).status).toBe(403);
    expect((await metrics({ authorization: "Bearer wrong" })).status).toBe(403);
    expect((await metrics({ authorization: `Bearer ${TOKEN}x` })).status).toBe(403);
    const ok = await metrics();
    expect(ok.status).toBe(200);
    expect(ok.type).toContain("text/plain; version=0.0.4");
    // Over a real socket from 127.0.0.1, the default allow-list admits the scrape without a token…
    const server = await t.app.start();
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      expect((await fetch(url)).status).toBe(200);
      // …and an empty allow-list means token only.
      (t.app.config as { metricsAllow: string }).metricsAllow = "";
      expect((await fetch(url)).status).toBe(403);
      expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      (t.app.config as { metricsAllow: string }).metricsAllow = "127.0.0.1,::1";
      await server.stop(true);
      t.app.server = null;
    }
  });

  test("parses as Prometheus text and its counters move with traffic", async () => {
    const user = await t.user();
    const before = parsePrometheus((await metrics()).text);
    const key = 'hearth_http_requests_total{method="GET",route="/api/v1/users/me",status="200"}';
    for (let i = 0; i < 3; i++) expect((await t.api("GET", "/users/me", { as: user })).status).toBe(200);
    await t.api("GET", "/users/me", { as: { email: user.email, apiKey: "wrong" } });
    // A message event through the real action path counts as a sent message.
    await inTx(t.deps, async (tx) => tx.notify({ type: "message", message: { id: 1 }, flags: [] }, [user.id]));
    const after = parsePrometheus((await metrics()).text);
    expect((after.get(key) ?? 0) - (before.get(key) ?? 0)).toBe(3);
    expect(after.get('hearth_http_requests_total{method="GET",route="/api/v1/users/me",status="401"}')).toBeGreaterThanOrEqual(1);
    const hcount = 'hearth_http_request_duration_seconds_count{method="GET",route="/api/v1/users/me"}';
    expect((after.get(hcount) ?? 0) - (before.get(hcount) ?? 0)).toBe(4);
    expect(after.get('hearth_http_request_duration_seconds_bucket{method="GET",route="/api/v1/users/me",le="+Inf"}')).toBe(after.get(hcount)!);
    expect((after.get("hearth_messages_sent_total") ?? 0) - (before.get("hearth_messages_sent_total") ?? 0)).toBe(1);
    expect(after.get("hearth_db_transaction_duration_seconds_count")!).toBeGreaterThan(before.get("hearth_db_transaction_duration_seconds_count") ?? 0);
    expect(after.get("hearth_process_resident_memory_bytes")!).toBeGreaterThan(1e6);
    expect(after.has("hearth_event_loop_lag_seconds")).toBe(true);
    expect(after.get("hearth_db_up")).toBe(1);
    expect(after.get(`hearth_build_info{version="0.1.0",database="${t.dialect}"}`)).toBe(1);
  });

  test("registerCollector / registerStats add gauges; a failing collector does not break the scrape", async () => {
    let depth = 7;
    const off = t.app.ops.metrics.registerCollector(() => [
      { name: "hearth_event_queues", value: 3, help: "Event queues" },
      { name: "hearth_held_long_polls", value: 1, labels: { node: "a\"b" } },
    ]);
    const off2 = t.app.ops.metrics.registerStats("hearth_jobs", () => ({ queue_depth: depth, dead: 0, oldest_pending_seconds: 1.5, by: { email: 2 }, name: "ignored" }));
    const off3 = t.app.ops.metrics.registerCollector(() => {
      throw new Error("collector broke");
    });
    try {
      let m = parsePrometheus((await metrics()).text);
      expect(m.get("hearth_event_queues")).toBe(3);
      expect(m.get('hearth_held_long_polls{node="a\\"b"}')).toBe(1);
      expect(m.get("hearth_jobs_queue_depth")).toBe(7);
      expect(m.get("hearth_jobs_by_email")).toBe(2);
      expect(m.has("hearth_jobs_name")).toBe(false);
      depth = 9;
      m = parsePrometheus((await metrics()).text);
      expect(m.get("hearth_jobs_queue_depth")).toBe(9);
    } finally {
      off();
      off2();
      off3();
    }
    expect(parsePrometheus((await metrics()).text).has("hearth_event_queues")).toBe(false);
  });

  test("/__heartbeat__ reports each check; /__lbheartbeat__ always answers", async () => {
    const hb = async () => {
      const r = await t.app.http.fetch(new Request("http://testserver/__heartbeat__"));
      return { status: r.status, body: await r.json() };
    };
    expect(await hb()).toEqual({ status: 200, body: { database: true, uploads: true } });
    t.app.ops.health.register("broken", () => {
      throw new Error("down");
    });
    t.app.ops.health.register("slow", () => new Promise(() => {}));
    try {
      (t.app.ops.health as unknown as { timeoutMs: number }).timeoutMs = 200;
      expect(await hb()).toEqual({ status: 503, body: { database: true, uploads: true, broken: false, slow: false } });
    } finally {
      t.app.ops.health.unregister("broken");
      t.app.ops.health.unregister("slow");
      (t.app.ops.health as unknown as { timeoutMs: number }).timeoutMs = 5000;
    }
    const lb = await t.app.http.fetch(new Request("http://testserver/__lbheartbeat__"));
    expect(lb.status).toBe(200);
    expect(await lb.json()).toEqual({});
    const v = await t.app.http.fetch(new Request("http://testserver/__version__"));
    expect((await v.json()).name).toBe("hearth");
  });

  test("the SMTP check talks to a real SMTP server and fails when none answers", async () => {
    const smtp = new SMTPServer({ authOptional: true, disabledCommands: ["STARTTLS"] });
    await new Promise<void>((res) => smtp.listen(0, "127.0.0.1", () => res()));
    const port = (smtp.server.address() as { port: number }).port;
    try {
      t.app.ops.health.register("smtp", smtpCheck({ host: "127.0.0.1", port }));
      const ok = await t.app.ops.health.run();
      expect(ok.results.smtp).toBe(true);
    } finally {
      await new Promise<void>((res) => smtp.close(() => res()));
    }
    const down = await t.app.ops.health.run();
    expect(down.results.smtp).toBe(false);
    expect(down.ok).toBe(false);
    t.app.ops.health.unregister("smtp");
  });

  test("the Backoff header appears only when configured", async () => {
    const user = await t.user();
    expect((await t.api("GET", "/users/me", { as: user })).headers.get("backoff")).toBeNull();
    (t.app.config as { backoffSeconds: number }).backoffSeconds = 60;
    try {
      expect((await t.api("GET", "/users/me", { as: user })).headers.get("backoff")).toBe("60");
      expect((await t.app.http.fetch(new Request("http://testserver/__lbheartbeat__"))).headers.get("backoff")).toBe("60");
    } finally {
      (t.app.config as { backoffSeconds: number }).backoffSeconds = 0;
    }
  });

  test("read-only mode refuses EVERY write route of the router's table, and reads keep working", async () => {
    const user = await t.user();
    const routes = t.app.http.router.routes;
    const writes = routes.filter(routeWrites);
    console.log(`read-only: checking ${writes.length} write route(s) of ${routes.length} registered`);
    const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
    // Every area's writes are in the table (messages, streams, satellites, users, realm, …).
    const writeKeys = new Set(writes.map(key));
    for (const k of [
      "POST /messages", "PATCH /messages/:message_id", "DELETE /messages/:message_id", "POST /messages/flags",
      "POST /messages/flags/narrow", "POST /messages/:message_id/reactions", "DELETE /messages/:message_id/reactions",
      "POST /mark_all_as_read", "POST /users/me/subscriptions", "DELETE /users/me/subscriptions", "PATCH /streams/:stream_id",
      "DELETE /streams/:stream_id", "POST /streams/:stream_id/delete_topic", "POST /user_topics", "POST /drafts",
      "POST /users/me/alert_words", "POST /users/me/muted_users/:muted_user_id", "POST /users/me/status",
      "POST /users/me/presence", "POST /realm/filters", "POST /realm/emoji/:emoji_name", "POST /user_groups/create",
      "PATCH /settings", "POST /users",
    ]) expect({ k, writes: writeKeys.has(k) }).toEqual({ k, writes: true });
    // The POST/DELETE routes that store nothing, and only those, stay open (Zulip clients
    // must still load — /register — and log in; render previews, typing relays and queue deletion are in memory).
    expect(routes.filter((r) => r.method !== "GET" && !routeWrites(r)).map(key).sort()).toEqual([
      "DELETE /events", "POST /dev_fetch_api_key", "POST /fetch_api_key", "POST /jwt/fetch_api_key",
      "POST /messages/:message_id/typing", "POST /messages/render", "POST /register", "POST /typing",
    ]);
    expect(routes.filter((r) => r.method === "GET" && routeWrites(r)).map(key)).toEqual([]);
    (t.app.config as { readOnly: boolean }).readOnly = true;
    try {
      for (const r of writes) {
        const path = r.path.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, "1");
        for (const prefix of r.opts.apiOnly ? ["/api/v1"] : ["/api/v1", "/json"]) {
          const res = await t.app.http.fetch(new Request(`http://testserver${prefix}${path}`, {
            method: r.method,
            headers: { authorization: "Basic " + btoa(`${user.email}:${user.apiKey}`), "content-type": "application/x-www-form-urlencoded" },
            body: r.method === "GET" ? undefined : "content=hello",
          }));
          const body = await res.json();
          expect({ route: `${r.method} ${prefix}${r.path}`, status: res.status, code: body.code }).toEqual({ route: `${r.method} ${prefix}${r.path}`, status: 503, code: "READ_ONLY_MODE" });
        }
      }
      for (const r of routes.filter((x) => !routeWrites(x))) {
        const res = await t.app.http.fetch(new Request(`http://testserver/api/v1${r.path.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, "1")}`, {
          method: r.method, headers: { authorization: "Basic " + btoa(`${user.email}:${user.apiKey}`) },
        }));
        expect(res.status).not.toBe(503);
      }
      expect((await t.api("GET", "/users/me", { as: user })).status).toBe(200);
      // A client still loads, previews and logs in; it cannot send.
      const reg = await t.api("POST", "/register", { as: user, params: { event_types: ["message"] } });
      expect(reg.status).toBe(200);
      expect((await t.api("DELETE", "/events", { as: user, params: { queue_id: reg.body.queue_id } })).status).toBe(200);
      const preview = await t.api("POST", "/messages/render", { as: user, params: { content: "**bold**" } });
      expect(preview.body.rendered).toBe("<p><strong>bold</strong></p>");
      const sent = await t.api("POST", "/messages", { as: user, params: { type: "direct", to: JSON.stringify([user.id]), content: "x" } });
      expect(sent.status).toBe(503);
      // Writes outside the API (uploads, web login forms) are refused too.
      const raw = await t.app.http.fetch(new Request("http://testserver/some/raw/form", { method: "POST" }));
      expect(raw.status).toBe(503);
      expect((await raw.json()).code).toBe("READ_ONLY_MODE");
    } finally {
      (t.app.config as { readOnly: boolean }).readOnly = false;
    }
  });

  test("the read-only hook follows each route's writes flag (a mounted router with every kind of route)", async () => {
    const r = new ApiRouter();
    const ok = () => ({});
    r.get("/read", ok, { auth: "none" });
    r.get("/get-that-writes", ok, { auth: "none", writes: true });
    r.post("/register-like", ok, { auth: "none", writes: false });
    for (const m of ["post", "patch", "put", "delete"] as const) r[m](`/w/${m}`, ok, { auth: "none" });
    let readOnly = true;
    const hono = new Hono();
    r.mount(hono, t.app.deps, { beforeAuth: readOnlyHook(() => readOnly) });
    const statuses = async () => {
      const out: Record<string, number> = {};
      for (const route of r.routes) {
        for (const prefix of ["/api/v1", "/json"]) {
          const res = await hono.fetch(new Request(`http://testserver${prefix}${route.path}`, { method: route.method }));
          out[`${route.method} ${prefix}${route.path}`] = res.status;
        }
      }
      return out;
    };
    const on = await statuses();
    for (const [k, v] of Object.entries(on)) {
      const refused = !/\/read$|register-like/.test(k);
      expect({ k, v }).toEqual({ k, v: refused ? 503 : 200 });
    }
    readOnly = false;
    for (const [k, v] of Object.entries(await statuses())) expect({ k, v }).toEqual({ k, v: 200 });
  });
}, { config: { metricsToken: TOKEN } });
