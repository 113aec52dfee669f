// Email end to end against a real SMTP server on loopback (smtp-server, with STARTTLS and
// AUTH): the `email` job, and the missed-message email — sent after the delay, not sent
// when the user read the message first, respecting settings, batched per recipient.
//
// The messages area is built in parallel, so the missed-message source here is an
// in-memory implementation of the MissedMessageSource interface (unread state and
// settings the test controls); the queue, the delay, the batching, the templates and the
// SMTP delivery are the real ones.
import { expect, test, beforeAll, afterAll } from "bun:test";
import { SMTPServer } from "smtp-server";
import { forEachDialect } from "../helpers/app.ts";
import { inTx } from "../../src/actions/tx.ts";
import { enqueueEmail } from "../../src/jobs/handlers/email.ts";
import {
  enqueueMissedMessageEmail,
  MISSED_MESSAGE_QUEUE,
  type MissedMessageBatch,
  type MissedMessageItem,
  type MissedMessageSource,
} from "../../src/jobs/handlers/missed-messages.ts";
import { listJobs } from "../../src/db/repo/jobs.ts";
import type { DigestSource } from "../../src/jobs/handlers/digest.ts";
import { smtpOptions } from "../../src/email/transport.ts";
import { waitFor } from "./helpers.ts";

interface Received {
  at: number;
  from: string;
  to: string[];
  secure: boolean;
  user: string | undefined;
  raw: string;
}

const inbox: Received[] = [];
const smtp = new SMTPServer({
  authMethods: ["PLAIN", "LOGIN"],
  onAuth(auth, _session, cb) {
    if (auth.username === "hearth" && auth.password === "s3cret") cb(null, { user: auth.username });
    else cb(new Error("bad credentials"));
  },
  onData(stream, session, cb) {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      inbox.push({
        at: Date.now(),
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
        to: session.envelope.rcptTo.map((r) => r.address),
        secure: session.secure,
        user: session.user as string | undefined,
        raw: Buffer.concat(chunks).toString("utf8"),
      });
      cb();
    });
  },
});
await new Promise<void>((res) => smtp.listen(0, "127.0.0.1", () => res()));
const smtpPort = (smtp.server.address() as { port: number }).port;
afterAll(() => new Promise<void>((res) => smtp.close(() => res())));

/** The text of one MIME part (quoted-printable decoded). */
function part(raw: string, type: "text/plain" | "text/html"): string {
  const i = raw.indexOf(`Content-Type: ${type}`);
  if (i < 0) return "";
  const start = raw.indexOf("\r\n\r\n", i) + 4;
  const end = raw.indexOf("\r\n--", start);
  const body = raw.slice(start, end < 0 ? undefined : end);
  const bytes: number[] = [];
  const s = body.replace(/=\r\n/g, "");
  for (let k = 0; k < s.length; k++) {
    if (s[k] === "=" && /^[0-9A-F]{2}$/.test(s.slice(k + 1, k + 3))) {
      bytes.push(parseInt(s.slice(k + 1, k + 3), 16));
      k += 2;
    } else bytes.push(...Buffer.from(s[k]!));
  }
  return Buffer.from(bytes).toString("utf8");
}
const header = (raw: string, name: string) => raw.match(new RegExp(`^${name}: (.*)$`, "mi"))?.[1]?.trim();
const mailsTo = (addr: string) => inbox.filter((m) => m.to.includes(addr));

test("smtp URL and TLS modes map to nodemailer options", () => {
  const o = smtpOptions({ emailUrl: "smtp://u%40x:p%3Aw@mail.example.com:587", emailTls: "auto", emailTlsVerify: true });
  expect(o).toMatchObject({ host: "mail.example.com", port: 587, secure: false, requireTLS: false, ignoreTLS: false, auth: { user: "u@x", pass: "p:w" } });
  expect(smtpOptions({ emailUrl: "smtps://h", emailTls: "auto", emailTlsVerify: true })).toMatchObject({ secure: true, port: 465 });
  expect(smtpOptions({ emailUrl: "smtp://h", emailTls: "starttls", emailTlsVerify: false })).toMatchObject({ requireTLS: true, tls: { rejectUnauthorized: false } });
  expect(smtpOptions({ emailUrl: "smtp://h:25", emailTls: "none", emailTlsVerify: true })).toMatchObject({ ignoreTLS: true, port: 25 });
  expect(() => smtpOptions({ emailUrl: "http://h", emailTls: "auto", emailTlsVerify: true })).toThrow();
});

forEachDialect("email", (t) => {
  // In-memory stand-in for the messages area: messages, unread state, settings.
  const messages = new Map<number, MissedMessageItem>();
  const read = new Map<number, Set<number>>();
  const offline = new Map<number, boolean>();
  const users = new Map<number, { email: string; fullName: string }>();
  const loads: number[][] = [];
  const source: MissedMessageSource = {
    async load(userId, ids): Promise<MissedMessageBatch | null> {
      loads.push(ids);
      const u = users.get(userId);
      if (!u) return null;
      return {
        recipient: {
          userId, email: u.email, fullName: u.fullName, realmName: "Test Org", realmUrl: "http://testserver",
          offlineEmailNotifications: offline.get(userId) ?? true,
        },
        messages: ids.filter((id) => messages.has(id) && !read.get(userId)?.has(id)).map((id) => messages.get(id)!),
      };
    },
  };
  let nextId = t.dialect === "pg" ? 5000 : 1000;
  const dm = (sender: string, content: string, html: string): number => {
    const id = ++nextId;
    messages.set(id, {
      id, senderName: sender, timestamp: Math.floor(Date.now() / 1000), content, renderedContent: html,
      directWith: [sender], conversationUrl: `http://testserver/#narrow/dm/${id}`,
    });
    return id;
  };
  const streamMsg = (content: string, emailNotifications: boolean): number => {
    const id = ++nextId;
    messages.set(id, {
      id, senderName: "Carol", timestamp: Math.floor(Date.now() / 1000), content, renderedContent: `<p>${content}</p>`,
      stream: { name: "design", topic: "logo", emailNotifications }, conversationUrl: `http://testserver/#narrow/channel/3-design/topic/logo`,
    });
    return id;
  };
  const digestDue: Awaited<ReturnType<DigestSource["due"]>> = [];
  let n = 0;
  const recipient = async () => {
    const u = await t.user({ email: `mm-${t.dialect}-${++n}@example.com` });
    users.set(u.id, { email: u.deliveryEmail, fullName: u.fullName });
    return u;
  };
  const settle = async (userId: number) => {
    await waitFor(async () => {
      const mm = await listJobs(t.store, { queue: MISSED_MESSAGE_QUEUE });
      const em = await listJobs(t.store, { queue: "email" });
      return !mm.some((j) => (j.payload as { userId: number }).userId === userId) && em.length === 0;
    }, { timeoutMs: 15_000, what: "missed-message and email jobs to finish" });
  };

  beforeAll(async () => {
    t.app.jobs.provide({
      missedMessages: source,
      digest: {
        async due() {
          return digestDue.splice(0);
        },
      },
    });
    await t.app.jobs.start();
  });

  test("an email job is delivered over SMTP with STARTTLS and AUTH, with text and HTML parts", async () => {
    const to = `plain-${t.dialect}@example.com`;
    await inTx(t.deps, (tx) =>
      enqueueEmail(tx, { to, subject: "Hello from Hearth", text: "plain body", html: "<p>html <b>body</b></p>" }),
    );
    const [m] = await waitFor(() => (mailsTo(to).length ? mailsTo(to) : null), { what: "email" });
    expect(m!.secure).toBe(true);
    expect(m!.user).toBe("hearth");
    expect(m!.from).toBe("noreply@testserver.example");
    expect(header(m!.raw, "Subject")).toBe("Hello from Hearth");
    expect(header(m!.raw, "Content-Type")).toContain("multipart/alternative");
    expect(part(m!.raw, "text/plain")).toContain("plain body");
    expect(part(m!.raw, "text/html")).toContain("<b>body</b>");
    expect(header(m!.raw, "Message-ID")).toMatch(/^<job-\d+@testserver\.example>$/);
  });

  test("error-level logs reach HEARTH_ADMINS through the email queue", async () => {
    t.app.log.error(`worker exploded on ${t.dialect}`, { err: new Error("disk full"), password: "hunter2" });
    const m = await waitFor(() => inbox.find((x) => x.to.includes("ops@example.com") && x.raw.includes(`worker exploded on ${t.dialect}`)), { what: "error report" });
    expect(header(m.raw, "Subject")).toBe(`[hearth] worker exploded on ${t.dialect}: disk full`);
    expect(m.raw).not.toContain("hunter2");
    // logged inside a transaction that then rolls back: the report still goes out
    await expect(t.store.withTx(async () => {
      t.app.log.error(`failed inside a transaction on ${t.dialect}`);
      await Bun.sleep(50);
      throw new Error("rollback");
    })).rejects.toThrow("rollback");
    await waitFor(() => inbox.find((x) => x.raw.includes(`failed inside a transaction on ${t.dialect}`)), { what: "report from a rolled-back transaction" });
  });

  test("an email enqueued in a rolled-back transaction is never sent", async () => {
    const to = `rollback-${t.dialect}@example.com`;
    await expect(inTx(t.deps, async (tx) => {
      await enqueueEmail(tx, { to, subject: "never", text: "never" });
      throw new Error("rollback");
    })).rejects.toThrow("rollback");
    const control = `control-${t.dialect}@example.com`;
    await inTx(t.deps, (tx) => enqueueEmail(tx, { to: control, subject: "control", text: "control" }));
    await waitFor(() => mailsTo(control).length > 0);
    expect(mailsTo(to)).toEqual([]);
  });

  test("missed DM: emailed once after the delay, with sanitized HTML and a reply link", async () => {
    const u = await recipient();
    const id = dm("Alice", "are you there?", `<p>are you <strong>there</strong>?</p><script>alert(1)</script><a href="/#narrow/stream/1">rel</a>`);
    const t0 = Date.now();
    await inTx(t.deps, (tx) => enqueueMissedMessageEmail(tx, t.deps.config, { userId: u.id, messageId: id, trigger: "direct_message" }));
    const [m] = await waitFor(() => (mailsTo(u.deliveryEmail).length ? mailsTo(u.deliveryEmail) : null), { what: "missed-message email" });
    expect(m!.at - t0).toBeGreaterThanOrEqual(1000);
    expect(header(m!.raw, "Subject")).toBe("DMs with Alice");
    const text = part(m!.raw, "text/plain");
    expect(text).toContain("are you there?");
    expect(text).toContain(`Reply: http://testserver/#narrow/dm/${id}`);
    const html = part(m!.raw, "text/html");
    expect(html).toContain("<strong>there</strong>");
    expect(html).not.toContain("<script");
    expect(html).toContain(`href="http://testserver/#narrow/stream/1"`);
    expect(html).toContain(`href="http://testserver/#narrow/dm/${id}"`);
    await settle(u.id);
    expect(mailsTo(u.deliveryEmail).length).toBe(1);
  });

  test("a DM read before the delay is not emailed", async () => {
    const u = await recipient();
    const id = dm("Bob", "quick question", "<p>quick question</p>");
    await inTx(t.deps, (tx) => enqueueMissedMessageEmail(tx, t.deps.config, { userId: u.id, messageId: id, trigger: "direct_message" }));
    read.set(u.id, new Set([id]));
    await settle(u.id);
    expect(loads.some((l) => l.includes(id))).toBe(true); // the job ran and asked
    expect(mailsTo(u.deliveryEmail)).toEqual([]);
  });

  test("settings: offline email notifications off → no email for DMs/mentions; stream email notifications still apply", async () => {
    const u = await recipient();
    offline.set(u.id, false);
    const d = dm("Dave", "dm while notifications are off", "<p>dm</p>");
    const s1 = streamMsg("stream message, notifications on", true);
    const s2 = streamMsg("stream message, notifications off", false);
    await inTx(t.deps, async (tx) => {
      await enqueueMissedMessageEmail(tx, t.deps.config, { userId: u.id, messageId: d, trigger: "direct_message" });
      await enqueueMissedMessageEmail(tx, t.deps.config, { userId: u.id, messageId: s1, trigger: "stream_email_notify" });
      await enqueueMissedMessageEmail(tx, t.deps.config, { userId: u.id, messageId: s2, trigger: "stream_email_notify" });
    });
    await settle(u.id);
    const got = mailsTo(u.deliveryEmail);
    expect(got.length).toBe(1);
    const text = part(got[0]!.raw, "text/plain");
    expect(text).toContain("stream message, notifications on");
    expect(text).not.toContain("notifications off");
    expect(text).not.toContain("dm while notifications are off");
    expect(header(got[0]!.raw, "Subject")).toBe("#design > logo");

    const other = await recipient();
    offline.set(other.id, false);
    const d2 = dm("Dave", "only a dm", "<p>only a dm</p>");
    await inTx(t.deps, (tx) => enqueueMissedMessageEmail(tx, t.deps.config, { userId: other.id, messageId: d2, trigger: "mentioned" }));
    await settle(other.id);
    expect(mailsTo(other.deliveryEmail)).toEqual([]);
  });

  test("several missed messages within the delay are batched into one email per recipient", async () => {
    const u = await recipient();
    const v = await recipient();
    const a = dm("Erin", "first", "<p>first</p>");
    const b = dm("Frank", "second", "<p>second</p>");
    const c = streamMsg("third, a mention", false);
    await inTx(t.deps, async (tx) => {
      await enqueueMissedMessageEmail(tx, t.deps.config, { userId: u.id, messageId: a, trigger: "direct_message" });
      await enqueueMissedMessageEmail(tx, t.deps.config, { userId: v.id, messageId: a, trigger: "direct_message" });
    });
    await inTx(t.deps, (tx) => enqueueMissedMessageEmail(tx, t.deps.config, { userId: u.id, messageId: b, trigger: "direct_message" }));
    await inTx(t.deps, (tx) => enqueueMissedMessageEmail(tx, t.deps.config, { userId: u.id, messageId: c, trigger: "mentioned" }));
    await settle(u.id);
    await settle(v.id);
    const got = mailsTo(u.deliveryEmail);
    expect(got.length).toBe(1);
    expect(header(got[0]!.raw, "Subject")).toBe("3 unread messages in Test Org");
    const text = part(got[0]!.raw, "text/plain");
    for (const s of ["first", "second", "third, a mention", "== Erin ==", "== Frank ==", "== #design > logo =="]) expect(text).toContain(s);
    expect(mailsTo(v.deliveryEmail).length).toBe(1);
    expect(part(mailsTo(v.deliveryEmail)[0]!.raw, "text/plain")).not.toContain("second");
  });

  test("a weekly-digest tick emails each recipient the source returns, once", async () => {
    const to = `digest-${t.dialect}@example.com`;
    digestDue.push({
      userId: 1, email: to,
      view: {
        realmName: "Test Org", realmUrl: "http://testserver", recipientName: "Gina", settingsUrl: "http://testserver/#settings",
        hotConversations: [{ title: "#general > lunch", url: "http://testserver/#narrow/x", messageCount: 12, senders: ["Ann", "Bo"], preview: "pizza?" }],
        newStreams: [{ name: "design", url: "http://testserver/#narrow/channel/3", description: "All things visual" }],
        newUsers: ["Hal"],
      },
    });
    const id = await t.app.jobs.scheduler!.tick("weekly-digest", new Date(Date.UTC(2031, 0, 7, 18)));
    expect(id).toBeNumber();
    const [m] = await waitFor(() => (mailsTo(to).length ? mailsTo(to) : null), { what: "digest email" });
    expect(header(m!.raw, "Subject")).toBe("Test Org digest");
    const text = part(m!.raw, "text/plain");
    for (const s of ["#general > lunch", "12 messages", "#design", "New members: Hal"]) expect(text).toContain(s);
    expect(await t.app.jobs.scheduler!.tick("weekly-digest", new Date(Date.UTC(2031, 0, 7, 18)))).toBeNull();
  });
}, {
  config: {
    emailUrl: `smtp://hearth:s3cret@127.0.0.1:${smtpPort}`,
    emailTls: "starttls",
    emailTlsVerify: false,
    emailFrom: "Hearth Test <noreply@testserver.example>",
    missedMessageDelaySeconds: 1,
    admins: "ops@example.com",
  },
  app: { jobs: { pollMs: 200 } },
});
