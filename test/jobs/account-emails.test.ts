// The users area's emails through the job queue, end to end over a real SMTP server on
// loopback: invitations (POST /invites), the new-login notice (web login), and password
// reset by email (request → signed, expiring, single-use link → new password).
import { expect, test, afterAll, beforeAll } from "bun:test";
import { SMTPServer } from "smtp-server";
import { forEachDialect, type TestEnv } from "../helpers/app.ts";
import { Role } from "../../src/domain/roles.ts";
import { waitFor } from "./helpers.ts";

const inbox: { to: string[]; raw: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  onData(stream, session, cb) {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
      cb();
    });
  },
});
await new Promise<void>((res) => smtp.listen(0, "127.0.0.1", () => res()));
const smtpPort = (smtp.server.address() as { port: number }).port;
afterAll(() => new Promise<void>((res) => smtp.close(() => res())));

const mailsTo = (addr: string) => inbox.filter((m) => m.to.includes(addr));
/** the text part, quoted-printable soft breaks and =XX escapes undone */
const text = (raw: string) => raw.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
const PW = "correct horse battery";

function form(t: TestEnv, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return t.app.http.fetch(new Request(`http://testserver${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...headers },
    body: new URLSearchParams(fields),
  }));
}

forEachDialect("account emails", (t) => {
  let n = 0;
  const addr = (what: string) => `${what}-${t.dialect}-${++n}@example.com`;
  beforeAll(() => t.app.jobs.start());
  const settled = () => waitFor(async () => (await t.app.jobs.stats()).queues.email?.pending === 0 && (await t.app.jobs.stats()).queues.email?.running === 0, { timeoutMs: 15_000 });

  test("POST /invites emails each invitee the join link; a refused invitation sends nothing", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR, fullName: "Ada Admin" });
    const a = addr("invitee");
    const b = addr("invitee");
    expect((await t.api("POST", "/invites", { as: admin, params: { invitee_emails: `${a}, ${b}`, stream_ids: [] } })).status).toBe(200);
    const links = (await t.api("GET", "/invites", { as: admin })).body.invites.map((i: { link_url?: string }) => i.link_url);
    for (const to of [a, b]) {
      const m = await waitFor(() => mailsTo(to)[0], { what: `invitation to ${to}` });
      const body = text(m.raw);
      expect(body).toContain("Ada Admin invited you to join Test Org");
      const link = body.match(/http:\/\/testserver\/join\/[A-Za-z0-9]+\//)![0];
      expect(links).toContain(link);
    }
    const existing = await t.user({ email: addr("member") });
    const refused = await t.api("POST", "/invites", { as: admin, params: { invitee_emails: `${addr("x")}, ${existing.email}`, stream_ids: [] } });
    expect(refused.status).toBe(400);
    await settled();
    expect(mailsTo(existing.email)).toEqual([]);
  });

  test("web login sends a new-login notice naming the device; a failed login sends none", async () => {
    const u = await t.user({ email: addr("login"), password: PW, fullName: "Lou Login" });
    const bad = await form(t, "/login", { username: u.email, password: "wrong" }, { "user-agent": "EvilBrowser/1" });
    expect(bad.status).toBe(401);
    const ok = await form(t, "/login", { username: u.email, password: PW }, { "user-agent": "TestBrowser/9.1" });
    expect(ok.status).toBe(200);
    const m = await waitFor(() => mailsTo(u.email)[0], { what: "new-login notice" });
    expect(m.raw).toContain("Subject: New login to Test Org");
    expect(text(m.raw)).toContain("TestBrowser/9.1");
    await settled();
    expect(mailsTo(u.email).length).toBe(1);
  });

  test("password reset: same answer for unknown addresses, a signed single-use link, the new password works", async () => {
    const u = await t.user({ email: addr("reset"), password: PW });
    const nobody = addr("nobody");
    // The web pages' reset flow (src/web/server/routes.ts → actions/password-reset.ts).
    const r1 = await form(t, "/accounts/password/reset/", { email: nobody });
    const r2 = await form(t, "/accounts/password/reset/", { email: u.email });
    expect(r1.status).toBe(200);
    expect(r2.status).toBe(200);
    expect(await r1.text()).toEqual(await r2.text());
    const m = await waitFor(() => mailsTo(u.email)[0], { what: "reset email" });
    const link = text(m.raw).match(/http:\/\/testserver(\/accounts\/password\/reset\/[A-Za-z0-9_.-]+\/)/)![1]!;
    await settled();
    expect(mailsTo(nobody)).toEqual([]);

    const page = await t.app.http.fetch(new Request(`http://testserver${link}`));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`action="${link}"`);

    // a tampered token (its signature) is refused and changes nothing
    const tampered = link.replace(/([A-Za-z0-9_-])\/$/, (_, ch) => (ch === "A" ? "B" : "A") + "/");
    expect(tampered).not.toBe(link);
    expect((await form(t, tampered, { password: "tampered password 1" })).status).toBe(400);
    // a cross-origin post is refused
    expect((await form(t, link, { password: "new password horse 2" }, { origin: "http://evil.example" })).status).toBe(403);

    const session = await form(t, "/login", { username: u.email, password: PW });
    const jar = session.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    expect((await form(t, link, { password: "new password horse 2" })).status).toBe(303);
    expect((await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: "new password horse 2" } })).status).toBe(200);
    expect((await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: PW }, validate: false })).status).toBe(401);
    // the old web session ended with the reset
    const me = await t.app.http.fetch(new Request("http://testserver/json/users/me", { headers: { cookie: jar } }));
    expect(me.status).toBe(401);
    // single use: the password changed, so the link is dead
    expect((await form(t, link, { password: "third password horse 3" })).status).toBe(400);
  });

  test("password reset links expire", async () => {
    const u = await t.user({ email: addr("expire"), password: PW });
    await form(t, "/accounts/password/reset/", { email: u.email });
    const m = await waitFor(() => mailsTo(u.email)[0], { what: "reset email" });
    const link = text(m.raw).match(/http:\/\/testserver(\/accounts\/password\/reset\/[A-Za-z0-9_.-]+\/)/)![1]!;
    const realNow = t.deps.now;
    t.deps.now = () => new Date(Date.now() + 61 * 60_000);
    try {
      expect((await form(t, link, { password: "late password horse 4" })).status).toBe(400);
    } finally {
      t.deps.now = realNow;
    }
    expect((await t.api("POST", "/fetch_api_key", { params: { username: u.email, password: PW } })).status).toBe(200);
  });
}, {
  config: {
    emailUrl: `smtp://127.0.0.1:${smtpPort}`,
    emailTls: "none",
    emailFrom: "Hearth Test <noreply@testserver.example>",
  },
  app: { jobs: { pollMs: 200 } },
});
