// The web client's server side: embedded assets, the CSP on every page, the first-run
// setup guarded by the log-printed token, the login page, and the app shell's redirect.
import { describe, expect, test, beforeAll, afterAll } from "bun:test";
import { createApp, type App } from "../../src/app/app.ts";
import { createLogger } from "../../src/lib/log.ts";
import { DIALECTS, freshDatabase, type FreshDb } from "../helpers/db.ts";
import { forEachDialect, testConfig } from "../helpers/app.ts";
import { CSP, setupTokenFor } from "../../src/web/server/routes.ts";
import { WEB_ASSETS } from "../../src/web/assets.gen.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { userByEmail } from "../../src/db/repo/users.ts";
import { countRealms } from "../../src/db/repo/realms.ts";
import { passwordResetLink, requestPasswordReset } from "../../src/actions/password-reset.ts";
import { EMAIL_QUEUE } from "../../src/jobs/handlers/email.ts";

const get = (app: App, path: string, headers: Record<string, string> = {}) =>
  app.http.fetch(new Request(`http://testserver${path}`, { headers }));
const postForm = (app: App, path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  app.http.fetch(new Request(`http://testserver${path}`, { method: "POST", body: new URLSearchParams(form), headers }));

for (const dialect of DIALECTS) {
  describe(`first-run setup [${dialect}]`, () => {
    let db: FreshDb;
    let app: App;
    const lines: string[] = [];
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      const log = createLogger({ level: "info", format: "json", write: (l) => lines.push(l) });
      app = await createApp(testConfig(db), { log, migrate: true });
      // the token is minted asynchronously right after the routes are mounted
      for (let i = 0; i < 100 && !setupTokenFor(app.deps); i++) await Bun.sleep(10);
    });
    afterAll(async () => {
      await app?.stop({ graceMs: 100 }).catch(() => {});
      await db?.drop().catch(() => {});
    });

    test("the token is printed in the server log, and / leads to the setup page", async () => {
      const token = setupTokenFor(app.deps)!;
      expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(lines.some((l) => l.includes(token) && l.includes("/setup"))).toBe(true);
      const root = await get(app, "/");
      expect(root.status).toBe(302);
      expect(root.headers.get("location")).toBe("/setup");
      const page = await get(app, "/setup");
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toBe(CSP);
      const html = await page.text();
      expect(html).toContain('name="setup_token"');
      expect(html).not.toContain(token);
      // login has nothing to log in to yet
      expect((await get(app, "/login")).headers.get("location")).toBe("/setup");
    });

    test("a wrong or missing token is refused and creates nothing", async () => {
      for (const setup_token of ["", "wrong-token", setupTokenFor(app.deps)! + "x"]) {
        const r = await postForm(app, "/setup", { setup_token, realm_name: "Evil", full_name: "Mallory", email: "m@example.com", password: "password123" }, { accept: "application/json" });
        expect(r.status).toBe(403);
        expect((await r.json()).msg).toContain("setup token");
      }
      expect(await countRealms(app.store)).toBe(0);
    });

    test("invalid owner details roll the organization back too", async () => {
      const r = await postForm(app, "/setup", { setup_token: setupTokenFor(app.deps)!, realm_name: "Acme", full_name: "Ann", email: "not-an-email", password: "password123" }, { accept: "application/json" });
      expect(r.status).toBe(400);
      expect(await countRealms(app.store)).toBe(0);
      const short = await postForm(app, "/setup", { setup_token: setupTokenFor(app.deps)!, realm_name: "Acme", full_name: "Ann", email: "ann@example.com", password: "x" });
      expect(short.status).toBe(400);
      const html = await short.text();
      expect(html).toContain("too short");
      expect(html).toContain('value="Acme"'); // the form keeps what was typed, except the password
      expect(await countRealms(app.store)).toBe(0);
    });

    test("the right token creates the organization and its owner, once", async () => {
      const token = setupTokenFor(app.deps)!;
      const r = await postForm(app, "/setup", { setup_token: token, realm_name: "Acme <script>alert(1)</script>", full_name: "Ann Owner", email: "Ann@Example.com", password: "correct horse" });
      expect(r.status).toBe(303);
      expect(r.headers.get("location")).toBe("/login?created=1&email=ann%40example.com");
      expect(await countRealms(app.store)).toBe(1);
      const realm = (await import("../../src/db/repo/realms.ts")).realmBySubdomain(app.store, "");
      const owner = await userByEmail(app.store, (await realm)!.id, "ann@example.com");
      expect(owner?.role).toBe(100);
      expect(owner?.passwordHash).toBeTruthy();
      expect(setupTokenFor(app.deps)).toBeNull();
      // the same token cannot be replayed
      const again = await postForm(app, "/setup", { setup_token: token, realm_name: "Second", full_name: "X", email: "x@example.com", password: "password123" }, { accept: "application/json" });
      expect(again.status).toBe(403);
      expect(await countRealms(app.store)).toBe(1);
      expect((await get(app, "/setup")).headers.get("location")).toBe("/login");
      // the organization name is escaped on the login page
      const login = await (await get(app, "/login?created=1&email=ann%40example.com")).text();
      expect(login).toContain("Acme &lt;script&gt;alert(1)&lt;/script&gt;");
      expect(login).not.toContain("<script>alert(1)");
      expect(login).toContain('value="ann@example.com"');
    });

    test("a server started on a set-up database mints no token", async () => {
      const again = await createApp(testConfig(db), { log: createLogger({ level: "silent" }), migrate: false });
      try {
        await Bun.sleep(100);
        expect(setupTokenFor(again.deps)).toBeNull();
      } finally {
        await again.stop({ graceMs: 50 });
      }
    });
  });
}

forEachDialect("web pages", (t) => {
  test("with an organization, setup is closed whatever token is sent", async () => {
    const token = setupTokenFor(t.deps) ?? "anything";
    const r = await postForm(t.app, "/setup", { setup_token: token, realm_name: "Takeover", full_name: "M", email: "m@example.com", password: "password123" }, { accept: "application/json" });
    expect(r.status).toBe(403);
    expect(await countRealms(t.store)).toBe(1);
    expect((await get(t.app, "/setup")).headers.get("location")).toBe("/login");
  });

  test("/ without a session redirects to the login page", async () => {
    const r = await get(t.app, "/");
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/login");
  });

  test("the login page: CSP without inline script, labelled fields, safe next", async () => {
    const r = await get(t.app, "/login?next=//evil.example/x");
    expect(r.status).toBe(200);
    const csp = r.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).not.toMatch(/unsafe-eval/);
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    const html = await r.text();
    expect(html).toContain('<label for="username">');
    expect(html).toContain('<label for="password">');
    expect(html).toContain('data-next="/"');
    expect(html).not.toContain("evil.example");
    // no inline executable script: every <script> has a src or is a JSON data block
    for (const m of html.matchAll(/<script([^>]*)>/g)) expect(m[1]).toMatch(/src=|type="application\/json"/);
    const ok = await (await get(t.app, "/login?next=/%23narrow/is/starred")).text();
    expect(ok).toContain('data-next="/#narrow/is/starred"');
  });

  test("login errors from the auth routes are shown", async () => {
    const html = await (await get(t.app, "/login?error=invalid")).text();
    expect(html).toContain("Incorrect email or password.");
    expect(html).not.toMatch(/id="form-error" hidden/);
  });

  test("a subdomain without an organization says so", async () => {
    const r = await t.app.http.fetch(new Request("http://nosuch.testserver/"));
    expect(r.status).toBe(404);
    expect(await r.text()).toContain("No such organization");
    await createRealm(t.deps, { name: "Zeta", subdomain: "zeta" });
    const z = await t.app.http.fetch(new Request("http://zeta.testserver/login"));
    expect(await z.text()).toContain("Zeta");
  });

  test("assets: served from the embedded module, gzip, immutable when versioned, 304", async () => {
    for (const name of Object.keys(WEB_ASSETS)) {
      const a = WEB_ASSETS[name as keyof typeof WEB_ASSETS];
      const r = await get(t.app, `/static/${name}?v=${a.hash}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe(a.type);
      expect(r.headers.get("cache-control")).toContain("immutable");
      expect(await r.text()).toBe(a.body);
      const z = await get(t.app, `/static/${name}`, { "accept-encoding": "gzip, br" });
      expect(z.headers.get("content-encoding")).toBe("gzip");
      expect(z.headers.get("cache-control")).toBe("no-cache");
      const nm = await get(t.app, `/static/${name}`, { "if-none-match": `"${a.hash}"` });
      expect(nm.status).toBe(304);
    }
    expect((await get(t.app, "/static/nope.js")).status).toBe(404);
    expect((await get(t.app, "/static/..%2Fmain.ts")).status).toBe(404);
  });

  test("invitation and sign-up pages render with the CSP; odd tokens are not routed", async () => {
    const j = await get(t.app, "/join/abcDEF123_-x/");
    expect(j.status).toBe(200);
    expect(j.headers.get("content-security-policy")).toBe(CSP);
    const html = await j.text();
    expect(html).toContain('data-endpoint="/json/join/abcDEF123_-x"');
    expect(html).toContain('<label for="full_name">');
    expect((await get(t.app, "/join/abc%22%3E%3Cscript%3E/")).status).toBe(404);
    const r = await (await get(t.app, "/register/")).text();
    expect(r).toContain('data-endpoint="/json/signup"');
    const reset = await get(t.app, "/accounts/password/reset/");
    expect(reset.status).toBe(200);
    expect(await reset.text()).toContain("Reset your password");
  });

  test("password reset: same answer for unknown addresses; the link works once, for one hour, in its realm", async () => {
    const u = await t.user({ password: "old-password-1" });
    const unknown = await postForm(t.app, "/accounts/password/reset/", { email: "nobody@example.com" });
    const known = await postForm(t.app, "/accounts/password/reset/", { email: u.email });
    expect(unknown.status).toBe(200);
    const text = (r: string) => r.replace(/\s+/g, " ");
    expect(text(await unknown.text())).toBe(text(await known.text()));

    const link = (await passwordResetLink(t.deps, t.realm, u.email))!;
    const path = new URL(link.url).pathname;
    const page = await get(t.app, path);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBe(CSP);
    expect(await page.text()).toContain(u.email);
    // a tampered token, and the token on another organization's host, are refused
    const [id, exp, sig] = path.split("/")[4]!.split(".");
    const flipped = (sig![0] === "A" ? "B" : "A") + sig!.slice(1);
    expect((await get(t.app, `/accounts/password/reset/${id}.${exp}.${flipped}/`)).status).toBe(400);
    expect((await get(t.app, `/accounts/password/reset/${id}.${Number(exp) + 3600}.${sig}/`)).status).toBe(400); // a longer life is not for sale
    await createRealm(t.deps, { name: "Other", subdomain: "other" }).catch(() => {});
    expect((await t.app.http.fetch(new Request(`http://other.testserver${path}`))).status).toBe(400);
    // a weak password is refused and the link stays usable
    const weak = await postForm(t.app, path, { password: "x" });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain("too short");
    const ok = await postForm(t.app, path, { password: "brand-new-password-2" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/login?reset=1");
    // one use: the password hash changed, so the token no longer verifies
    expect((await get(t.app, path)).status).toBe(400);
    const good = await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: "brand-new-password-2" } });
    expect(good.status).toBe(200);
    const old = await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: "old-password-1" }, validate: false });
    expect(old.status).toBe(401);
    // an hour later the link is dead
    const past = { ...t.deps, now: () => new Date(Date.now() - 2 * 3600_000) };
    const stale = (await passwordResetLink(past, t.realm, u.email))!;
    expect((await get(t.app, new URL(stale.url).pathname)).status).toBe(400);
  });

  test("password reset: without a mail server the page says so and nothing is queued; with one, the link is mailed", async () => {
    const u = await t.user({ password: "old-password-9" });
    const jobsOf = async () => (await t.store.db.select().from(t.store.t.jobs)).filter((j: { queue: string }) => j.queue === EMAIL_QUEUE);
    const before = (await jobsOf()).length;
    const page = await (await postForm(t.app, "/accounts/password/reset/", { email: u.email })).text();
    expect(page).toContain("cannot send email");
    expect((await jobsOf()).length).toBe(before);
    const mailing = { ...t.deps, config: { ...t.deps.config, emailUrl: "smtp://127.0.0.1:2525" } };
    expect(await requestPasswordReset(mailing, t.realm, "nobody@example.com")).toEqual({ canSend: true });
    expect((await jobsOf()).length).toBe(before);
    await requestPasswordReset(mailing, t.realm, u.email);
    const jobs = await jobsOf();
    expect(jobs.length).toBe(before + 1);
    const mail = jobs.at(-1)!.payload as { to: string; subject: string; text: string };
    expect(mail.to).toBe(u.email);
    const url = /https?:\/\/\S+\/accounts\/password\/reset\/\S+\//.exec(mail.text)![0];
    expect((await get(t.app, new URL(url).pathname)).status).toBe(200);
  });
});
