// The HTTP core: Zulip's response and error format on every path, parameter parsing from
// query and body in every encoding, API-key authentication (both sides), realm selection.
import { test, expect } from "bun:test";
import { forEachDialect } from "../helpers/app.ts";
import { updateUser } from "../../src/db/repo/users.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { updateRealm } from "../../src/db/repo/realms.ts";
import { ZULIP_FEATURE_LEVEL } from "../../src/lib/version.ts";

forEachDialect("http core", (t) => {
  test("GET /server_settings needs no auth and matches Zulip's schema", async () => {
    const r = await t.api("GET", "/server_settings");
    expect(r.status).toBe(200);
    expect(r.body.result).toBe("success");
    expect(r.body.zulip_feature_level).toBe(ZULIP_FEATURE_LEVEL);
    expect(r.body.realm_name).toBe("Test Org");
    expect(r.body.realm_url).toBe("http://testserver");
  });

  test("/health and /ready answer JSON", async () => {
    const h = await t.api("GET", "/health", { surface: "raw" });
    expect(h.status).toBe(200);
    const r = await t.api("GET", "/ready", { surface: "raw" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ result: "success", pending_migrations: 0, database: t.dialect });
  });

  test("a valid API key authenticates; the user object has Zulip's shape", async () => {
    const u = await t.user({ fullName: "Ann Example" });
    const r = await t.api("GET", "/users/me", { as: u });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ result: "success", user_id: u.id, email: u.email, full_name: "Ann Example", role: 400 });
  });

  test("email lookup is case-insensitive", async () => {
    const u = await t.user();
    const r = await t.api("GET", "/users/me", { as: { email: u.email.toUpperCase(), apiKey: u.apiKey } });
    expect(r.status).toBe(200);
  });

  test("a wrong key, a missing header and a deactivated user are refused with Zulip's codes", async () => {
    const u = await t.user();
    const wrong = await t.api("GET", "/users/me", { as: { email: u.email, apiKey: "x".repeat(32) } });
    expect([wrong.status, wrong.body.code]).toEqual([401, "INVALID_API_KEY"]);
    const unknown = await t.api("GET", "/users/me", { as: { email: "nobody@example.com", apiKey: u.apiKey } });
    expect([unknown.status, unknown.body.code]).toEqual([401, "INVALID_API_KEY"]);
    const none = await t.api("GET", "/users/me");
    expect([none.status, none.body.code]).toEqual([401, "UNAUTHENTICATED_USER"]);
    const garbage = await t.api("GET", "/users/me", { headers: { authorization: "Bearer abc" } });
    expect([garbage.status, garbage.body.code]).toEqual([401, "UNAUTHENTICATED_USER"]);
    await t.store.withTx((tx) => updateUser(tx, u.id, { isActive: false }));
    const off = await t.api("GET", "/users/me", { as: u });
    expect([off.status, off.body.code]).toEqual([401, "USER_DEACTIVATED"]);
  });

  test("404, 405 and unknown subdomains are JSON errors", async () => {
    const nf = await t.api("GET", "/no/such/endpoint", { validate: false });
    expect(nf.status).toBe(404);
    expect(nf.body).toMatchObject({ result: "error", msg: "Not Found" });
    const na = await t.api("PUT", "/users/me", { validate: false });
    expect(na.status).toBe(405);
    expect(na.body.result).toBe("error");
    expect(na.body.allowed_methods).toContain("GET");
    const sub = await t.api("GET", "/users/me", { host: "nope.testserver", validate: false });
    expect([sub.status, sub.body.code]).toEqual([404, "NONEXISTENT_SUBDOMAIN"]);
    // "/" is the web app (src/web): anywhere else outside the API is still a JSON 404
    const other = await t.api("GET", "/no-such-page", { surface: "raw" });
    expect([other.status, typeof other.body]).toEqual([404, "object"]);
  });

  test("a realm on a subdomain is separate from the root realm", async () => {
    const acme = await createRealm(t.deps, { name: "Acme", subdomain: "acme" });
    const u = await t.user({ realmId: acme.id });
    const good = await t.api("GET", "/users/me", { as: u, host: "acme.testserver" });
    expect(good.status).toBe(200);
    // The same credentials at another realm's host do not authenticate.
    const bad = await t.api("GET", "/users/me", { as: u, host: "testserver" });
    expect([bad.status, bad.body.code]).toEqual([401, "INVALID_API_KEY"]);
    const settings = await t.api("GET", "/server_settings", { host: "acme.testserver" });
    expect(settings.body.realm_name).toBe("Acme");
    await t.store.withTx((tx) => updateRealm(tx, acme.id, { deactivated: true }));
    const off = await t.api("GET", "/users/me", { as: u, host: "acme.testserver", validate: false });
    expect([off.status, off.body.code]).toEqual([401, "REALM_DEACTIVATED"]);
  });

  test("repeated slashes are collapsed, as nginx does in front of Zulip", async () => {
    const u = await t.user();
    const r = await t.api("GET", "//users/me", { as: u, validate: false });
    expect(r.status).toBe(200);
    expect(r.body.user_id).toBe(u.id);
  });

  test("unknown parameters are reported as ignored_parameters_unsupported", async () => {
    const u = await t.user();
    const r = await t.api("GET", "/users/me", { as: u, params: { bogus: "1" } });
    expect(r.status).toBe(200);
    expect(r.body.ignored_parameters_unsupported).toEqual(["bogus"]);
  });

  test("errors never leak internals", async () => {
    const r = await t.api("GET", "/users/me", { as: { email: "a@b", apiKey: "'; drop table users; --" } });
    expect(r.status).toBe(401);
    expect(JSON.stringify(r.body)).not.toMatch(/stack|at \w+ \(|sql/i);
  });
});
