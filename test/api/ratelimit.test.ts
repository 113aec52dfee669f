// Rate limits: Zulip's headers, 429 RATE_LIMIT_HIT with retry-after, a stricter bucket for
// sign-in attempts, and a login-failure burst in the audit log.
import { expect, test } from "bun:test";
import { forEachDialect } from "../helpers/app.ts";
import { TokenBuckets } from "../../src/auth/ratelimit.ts";
import { auditEntries } from "../../src/db/repo/audit.ts";

test("token bucket refills over time", () => {
  let now = 0;
  const b = new TokenBuckets(2, 1000, () => now);
  expect(b.take("k").ok).toBe(true);
  expect(b.take("k").ok).toBe(true);
  const r = b.take("k");
  expect(r.ok).toBe(false);
  expect(r.retryAfter).toBeCloseTo(0.5, 2);
  expect(b.take("other").ok).toBe(true);
  now = 500;
  expect(b.take("k").ok).toBe(true);
  expect(b.take("k").ok).toBe(false);
});

forEachDialect("rate limits", (t) => {
  test("per user: headers, then 429 with retry-after; other users unaffected", async () => {
    const u = await t.user();
    const other = await t.user();
    let last;
    for (let i = 0; i < 5; i++) {
      last = await t.api("GET", "/users/me", { as: u });
      expect(last.status).toBe(200);
      expect(last.headers.get("x-ratelimit-limit")).toBe("5");
      expect(last.headers.get("x-ratelimit-remaining")).toBe(String(4 - i));
      expect(Number(last.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000 - 1);
    }
    const over = await t.api("GET", "/users/me", { as: u, validate: false });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe("RATE_LIMIT_HIT");
    expect(over.body["retry-after"]).toBeGreaterThan(0);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await t.api("GET", "/users/me", { as: other })).status).toBe(200);
  });

  test("fetch_api_key: stricter per-username bucket; a refused burst is audited", async () => {
    const u = await t.user({ password: "correct horse battery" });
    for (let i = 0; i < 2; i++) {
      expect((await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: "guess " + i } })).status).toBe(401);
    }
    const r = await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: "correct horse battery" }, validate: false });
    expect(r.status).toBe(429);
    expect(r.body.code).toBe("RATE_LIMIT_HIT");
    const log = await auditEntries(t.store, t.realm.id, { limit: 10, eventType: "login_failure_burst" });
    expect(log.length).toBe(1);
    expect(JSON.stringify(log)).not.toContain("correct horse");
  });

  test("web form login: a refused burst is refused each time but audited once", async () => {
    const u = await t.user({ password: "correct horse battery" });
    const before = (await auditEntries(t.store, t.realm.id, { limit: 50, eventType: "login_failure_burst" })).length;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await t.app.http.fetch(new Request("http://testserver/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ username: u.email, password: "guess " + i }),
      }));
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    const after = await auditEntries(t.store, t.realm.id, { limit: 50, eventType: "login_failure_burst" });
    expect(after.length - before).toBe(1);
  });
}, { config: { rateLimitPerMinute: 5, authRateLimitPerMinute: 2 } });
