// Signing in: fetch_api_key (also through zulip-js against a real listening server),
// API keys, web sessions with CSRF, JWT login, trusted-header SSO, rate limits.
import { expect, test } from "bun:test";
import { SignJWT } from "jose";
import { join } from "node:path";
import { forEachDialect, type TestEnv } from "../helpers/app.ts";
import { Role } from "../../src/domain/roles.ts";
import { updateUser, userById } from "../../src/db/repo/users.ts";
import { deactivateUser } from "../../src/actions/users.ts";
import { pbkdf2Sync } from "node:crypto";

const PW = "correct horse battery";

async function login(t: TestEnv, email: string, password: string, headers: Record<string, string> = {}) {
  const res = await t.app.http.fetch(new Request("http://testserver/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...headers },
    body: new URLSearchParams({ username: email, password }),
  }));
  const cookies = res.headers.getSetCookie();
  const jar = cookies.map((c) => c.split(";")[0]).join("; ");
  return { res, body: (await res.json()) as any, cookies, jar };
}

forEachDialect("sign in", (t) => {
  test("fetch_api_key: multipart and urlencoded, wrong password, unknown user, bots, deactivated", async () => {
    const u = await t.user({ password: PW });
    for (const multipart of [true, false]) {
      const ok = await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: PW }, multipart });
      if (ok.status !== 200) console.log(ok.body);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ api_key: u.apiKey, email: u.email, user_id: u.id });
    }
    const bad = await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: "wrong password!" } });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe("AUTHENTICATION_FAILED");
    const unknown = await t.api("POST", "/fetch_api_key", { params: { username: "nobody@example.com", password: PW } });
    expect(unknown.body.code).toBe("AUTHENTICATION_FAILED");
    const bot = await t.user({ isBot: true, botType: 1, botOwnerId: u.id, password: PW });
    expect((await t.api("POST", "/fetch_api_key", { params: { username: bot.email, password: PW } })).body.code).toBe("AUTHENTICATION_FAILED");
    const gone = await t.user({ password: PW });
    await t.user({ role: Role.OWNER });
    await deactivateUser(t.deps, null, gone.id);
    const d = await t.api("POST", "/fetch_api_key", { params: { username: gone.email, password: PW } });
    expect(d.status).toBe(401);
    expect(d.body.code).toBe("USER_DEACTIVATED");
  }, 30_000);

  test("an imported Django pbkdf2 hash logs in and is rehashed with argon2id", async () => {
    const u = await t.user();
    const salt = "abcdefgh12345678";
    const hash = `pbkdf2_sha256$1000$${salt}$${pbkdf2Sync(PW, salt, 1000, 32, "sha256").toString("base64")}`;
    await t.store.withTx((tx) => updateUser(tx, u.id, { passwordHash: hash }));
    expect((await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: "nope nope nope" } })).status).toBe(401);
    expect((await userById(t.store, u.id))!.passwordHash).toBe(hash);
    const ok = await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: PW } });
    expect(ok.status).toBe(200);
    expect((await userById(t.store, u.id))!.passwordHash).toStartWith("$argon2id$");
    expect((await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: PW } })).status).toBe(200);
  }, 30_000);

  // zulip-js's clients run on Node (under Bun its isomorphic-fetch/form-data pair sends
  // "[object FormData]", because Bun maps node-fetch to its own fetch), so the client runs
  // in a real Node process against a real listening server.
  test("zulip-js zulipInit({username, password, realm}) gets a key from a real server", async () => {
    const u = await t.user({ password: PW, fullName: "Zed" });
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.http.fetch });
    try {
      const realm = `http://127.0.0.1:${server.port}`;
      const script = `
        const zulipInit = require("zulip-js");
        (async () => {
          const z = await zulipInit({ username: process.argv[1], password: process.argv[2], realm: process.argv[3] });
          const me = z.config.apiKey ? await z.users.me.getProfile() : null;
          const wrong = await zulipInit({ username: process.argv[1], password: "wrong password", realm: process.argv[3] });
          console.log(JSON.stringify({ key: z.config.apiKey, me, wrongKey: wrong.config.apiKey ?? null }));
        })().catch((e) => { console.error(e); process.exit(1); });`;
      const proc = Bun.spawn(["node", "-e", script, u.email, PW, realm], { cwd: join(import.meta.dir, "../.."), stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text(), await proc.exited];
      expect(err).toBe("");
      expect(code).toBe(0);
      const r = JSON.parse(out);
      expect(r.key).toBe(u.apiKey);
      expect(r.me.result).toBe("success");
      expect(r.me.full_name).toBe("Zed");
      expect(r.wrongKey).toBeNull();
    } finally {
      server.stop(true);
    }
  }, 30_000);

  test("regenerating the API key makes the old one fail at once", async () => {
    const u = await t.user();
    const r = await t.api("POST", "/users/me/api_key/regenerate", { as: u, validate: false });
    expect(r.status).toBe(200);
    expect(r.body.api_key).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await t.api("GET", "/users/me", { as: u })).body.code).toBe("INVALID_API_KEY");
    expect((await t.api("GET", "/users/me", { as: { email: u.email, apiKey: r.body.api_key } })).status).toBe(200);
  }, 30_000);

  test("dev_fetch_api_key is refused outside development mode", async () => {
    const u = await t.user();
    const r = await t.api("POST", "/dev_fetch_api_key", { params: { username: u.email } });
    expect(r.status).toBe(400);
    expect(r.body.api_key).toBeUndefined();
  }, 30_000);

  test("web session: login sets cookies; /json works with the cookie; CSRF required on writes", async () => {
    const u = await t.user({ password: PW, fullName: "Web User" });
    const { res, body, cookies, jar } = await login(t, u.email, PW);
    expect(res.status).toBe(200);
    expect(body.user_id).toBe(u.id);
    const sess = cookies.find((c) => c.startsWith("hearth_session="))!;
    expect(sess).toContain("HttpOnly");
    expect(sess).toContain("SameSite=Lax");
    expect(sess).not.toContain("Secure");
    const csrf = cookies.find((c) => c.startsWith("csrftoken="))!;
    expect(csrf).not.toContain("HttpOnly");
    expect(csrf.split(";")[0]!.split("=")[1]).toBe(body.csrf_token);

    const me = await t.api("GET", "/users/me", { surface: "json", headers: { cookie: jar } });
    expect(me.status).toBe(200);
    expect(me.body.user_id).toBe(u.id);
    const info = await t.api("GET", "/session", { surface: "json", headers: { cookie: jar }, validate: false });
    expect(info.body.csrf_token).toBe(body.csrf_token);

    // No cookie → unauthenticated; a forged cookie → unauthenticated.
    expect((await t.api("GET", "/users/me", { surface: "json" })).status).toBe(401);
    expect((await t.api("GET", "/users/me", { surface: "json", headers: { cookie: "hearth_session=eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.AAAA" } })).status).toBe(401);

    // Writes need X-CSRFToken.
    const noToken = await t.api("PATCH", "/settings", { surface: "json", headers: { cookie: jar }, params: { full_name: "Renamed" }, validate: false });
    expect(noToken.status).toBe(403);
    expect(noToken.body.code).toBe("CSRF_FAILED");
    const wrong = await t.api("PATCH", "/settings", { surface: "json", headers: { cookie: jar, "x-csrftoken": "nope" }, params: { full_name: "Renamed" }, validate: false });
    expect(wrong.body.code).toBe("CSRF_FAILED");
    expect((await userById(t.store, u.id))!.fullName).toBe("Web User");
    const ok = await t.api("PATCH", "/settings", { surface: "json", headers: { cookie: jar, "x-csrftoken": body.csrf_token }, params: { full_name: "Renamed" } });
    expect(ok.status).toBe(200);
    expect((await userById(t.store, u.id))!.fullName).toBe("Renamed");

    // A session does not authenticate /api/v1.
    expect((await t.api("GET", "/users/me", { headers: { cookie: jar } })).status).toBe(401);

    // Logout needs the token, then ends the session at once.
    const badOut = await t.app.http.fetch(new Request("http://testserver/logout", { method: "POST", headers: { cookie: jar, accept: "application/json" } }));
    expect(badOut.status).toBe(403);
    expect((await t.api("GET", "/users/me", { surface: "json", headers: { cookie: jar } })).status).toBe(200);
    const out = await t.app.http.fetch(new Request("http://testserver/logout", { method: "POST", headers: { cookie: jar, "x-csrftoken": body.csrf_token } }));
    expect(out.status).toBe(303);
    expect((await t.api("GET", "/users/me", { surface: "json", headers: { cookie: jar } })).status).toBe(401);
  }, 30_000);

  test("form login redirects; bad password, bots and cross-origin posts are refused", async () => {
    const u = await t.user({ password: PW });
    const form = await t.app.http.fetch(new Request("http://testserver/login", {
      method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: u.email, password: PW, next: "/#narrow/stream/1" }),
    }));
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe("/#narrow/stream/1");
    const evil = await t.app.http.fetch(new Request("http://testserver/login", {
      method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: u.email, password: PW, next: "//evil.example.com/" }),
    }));
    expect(evil.headers.get("location")).toBe("/");
    const bad = await login(t, u.email, "wrong password");
    expect(bad.res.status).toBe(401);
    expect(bad.body.code).toBe("AUTHENTICATION_FAILED");
    expect(bad.cookies.length).toBe(0);
    const badForm = await t.app.http.fetch(new Request("http://testserver/login", {
      method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: u.email, password: "wrong" }),
    }));
    expect(badForm.status).toBe(303);
    expect(badForm.headers.get("location")).toStartWith("/login?error=invalid");
    const cross = await login(t, u.email, PW, { origin: "https://evil.example.com" });
    expect(cross.res.status).toBe(403);
    expect(cross.body.code).toBe("CSRF_FAILED");
    const bot = await t.user({ isBot: true, botType: 1, botOwnerId: u.id, password: PW });
    expect((await login(t, bot.email, PW)).res.status).toBe(401);
  }, 30_000);

  test("deactivation ends web sessions and API keys of the user and their bots at once", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const u = await t.user({ password: PW });
    const other = await t.user({ password: PW });
    const bot = await t.user({ isBot: true, botType: 1, botOwnerId: u.id });
    const otherBot = await t.user({ isBot: true, botType: 1, botOwnerId: other.id });
    const s = await login(t, u.email, PW);
    const s2 = await login(t, other.email, PW);
    expect((await t.api("GET", "/users/me", { as: bot })).status).toBe(200);
    const r = await t.api("DELETE", `/users/${u.id}`, { as: admin });
    expect(r.status).toBe(200);
    expect((await t.api("GET", "/users/me", { as: u })).body.code).toBe("USER_DEACTIVATED");
    expect((await t.api("GET", "/users/me", { as: bot })).body.code).toBe("USER_DEACTIVATED");
    expect((await t.api("GET", "/users/me", { surface: "json", headers: { cookie: s.jar } })).status).toBe(401);
    // The other side: nobody else is affected.
    expect((await t.api("GET", "/users/me", { as: other })).status).toBe(200);
    expect((await t.api("GET", "/users/me", { as: otherBot })).status).toBe(200);
    expect((await t.api("GET", "/users/me", { surface: "json", headers: { cookie: s2.jar } })).status).toBe(200);
  }, 30_000);

  test("JWT login: right realm key works; expired, unsigned, or wrong key fail", async () => {
    const u = await t.user();
    const key = new TextEncoder().encode("jwt-secret-for-root-realm-0123456789");
    const now = Math.floor(Date.now() / 1000);
    const good = await new SignJWT({ email: u.email }).setProtectedHeader({ alg: "HS256" }).setExpirationTime(now + 60).sign(key);
    const ok = await t.api("POST", "/jwt/fetch_api_key", { params: { token: good }, validate: false });
    expect(ok.status).toBe(200);
    expect(ok.body.api_key).toBe(u.apiKey);
    const expired = await new SignJWT({ email: u.email }).setProtectedHeader({ alg: "HS256" }).setExpirationTime(now - 60).sign(key);
    expect((await t.api("POST", "/jwt/fetch_api_key", { params: { token: expired }, validate: false })).body.code).toBe("AUTHENTICATION_FAILED");
    const noExp = await new SignJWT({ email: u.email }).setProtectedHeader({ alg: "HS256" }).sign(key);
    expect((await t.api("POST", "/jwt/fetch_api_key", { params: { token: noExp }, validate: false })).body.code).toBe("AUTHENTICATION_FAILED");
    const otherKey = await new SignJWT({ email: u.email }).setProtectedHeader({ alg: "HS256" }).setExpirationTime(now + 60).sign(new TextEncoder().encode("the-other-realms-key-0123456789abcdef"));
    expect((await t.api("POST", "/jwt/fetch_api_key", { params: { token: otherKey }, validate: false })).body.code).toBe("AUTHENTICATION_FAILED");
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const unsigned = `${b64({ alg: "none" })}.${b64({ email: u.email, exp: now + 60 })}.`;
    expect((await t.api("POST", "/jwt/fetch_api_key", { params: { token: unsigned }, validate: false })).body.code).toBe("AUTHENTICATION_FAILED");
  }, 30_000);
}, {
  config: {
    jwtKeys: JSON.stringify({ "": { algorithm: "HS256", key: "jwt-secret-for-root-realm-0123456789" }, other: { algorithm: "HS256", key: "the-other-realms-key-0123456789abcdef" } }),
    authRateLimitPerMinute: 1000,
  },
});
