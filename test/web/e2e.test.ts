// End-to-end: the real server process on loopback, Debian's chromium driven by
// playwright-core, on both dialects. Tests that need an API another area provides are
// registered with skipIf(...) naming that API, so a run says exactly what is waiting.
import { describe, expect, test, beforeAll, afterAll } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { DIALECTS, freshDatabase } from "../helpers/db.ts";
import { testConfig } from "../helpers/app.ts";
import { createApp } from "../../src/app/app.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { apiAs, axeAudit, chromiumAvailable, HearthProcess, launchBrowser, screenshot } from "./harness.ts";

// ---- which APIs this build has (probed on an in-process app) --------------------------
async function probeFeatures() {
  const db = await freshDatabase("sqlite");
  const app = await createApp(testConfig(db), { log: silentLogger, migrate: true });
  try {
    const has = (method: string, path: string) => app.http.router.routes.some((r) => r.method === method && r.regex.test(path));
    const login = (await app.http.fetch(new Request("http://testserver/login", { method: "POST", body: new URLSearchParams({ username: "x", password: "y" }) }))).status !== 404;
    return {
      login,
      register: has("POST", "/register") && has("GET", "/events"),
      ws: false,
      users: has("POST", "/users") && has("POST", "/fetch_api_key"),
      streams: has("POST", "/users/me/subscriptions"),
      messages: has("POST", "/messages") && has("GET", "/messages"),
      flags: has("POST", "/messages/flags"),
      edit: has("PATCH", "/messages/1"),
      reactions: has("POST", "/messages/1/reactions"),
      render: has("POST", "/messages/render"),
      uploads: has("POST", "/user_uploads"),
      invites: has("POST", "/invites/multiuse") && has("POST", "/join/abc"),
      typing: has("POST", "/typing"),
    };
  } finally {
    await app.stop({ graceMs: 10 });
    await db.drop();
  }
}
const F = await probeFeatures();
const missing = (...keys: (keyof typeof F)[]) => keys.filter((k) => !F[k]);
const waiting = missing("login", "register", "users", "streams", "messages", "flags", "edit", "reactions", "uploads", "typing", "invites");
if (waiting.length) console.warn(`\n*** browser tests waiting for APIs not in this build: ${waiting.join(", ")} ***\n`);
const HAVE_BROWSER = chromiumAvailable();
/** the app itself: log in, /register + /events, GET /messages */
const APP = F.login && F.register && F.messages;
const CHAT = APP && F.users && F.streams;

const OWNER = { email: "owner@example.com", password: "owner-pass-123", name: "Olivia Owner" };
const BOB = { email: "bob@example.com", password: "bob-pass-12345", name: "Bob <img src=x onerror=alert(1)>" };

for (const dialect of DIALECTS) {
  describe.skipIf(!HAVE_BROWSER)(`web e2e [${dialect}]`, () => {
    const server = new HearthProcess(dialect);
    let browser: Browser;
    let ctxA: BrowserContext;
    let ctxB: BrowserContext;
    let a: Page;
    let b: Page;
    const dialogs: string[] = [];
    const pageErrors: string[] = [];
    const keys: Record<string, string> = {};
    let ownerId = 0;
    let bobId = 0;
    let streamId = 0;

    const watch = (p: Page) => {
      p.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      p.on("pageerror", (e) => pageErrors.push(String(e)));
    };
    const owner = () => ({ email: OWNER.email, key: keys.owner! });
    const bob = () => ({ email: BOB.email, key: keys.bob! });

    async function login(page: Page, who: { email: string; password: string }) {
      await page.goto(`${server.url}/login`);
      await page.fill("#username", who.email);
      await page.fill("#password", who.password);
      await page.click("button[type=submit]");
      await page.waitForSelector(".layout", { timeout: 15000 });
    }
    async function sendFromUi(page: Page, text: string) {
      await page.fill("#compose-content", text);
      await page.keyboard.press("Control+Enter");
      await page.waitForFunction(() => (document.getElementById("compose-content") as HTMLTextAreaElement | null)?.value === "", null, { timeout: 25000 });
    }
    const feedText = (page: Page, text: string) => page.locator(".feed .msg-content", { hasText: text });

    beforeAll(async () => {
      await server.start();
      browser = await launchBrowser();
      ctxA = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      ctxB = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      a = await ctxA.newPage();
      b = await ctxB.newPage();
      watch(a);
      watch(b);
    }, 60000);
    afterAll(async () => {
      await browser?.close().catch(() => {});
      await server.destroy();
    }, 30000);

    test("first-run setup: token from the log, accessible form, organization created", async () => {
      const token = await server.setupToken();
      await a.goto(server.url);
      expect(new URL(a.url()).pathname).toBe("/setup");
      expect(await axeAudit(a)).toEqual([]);
      await screenshot(a, "setup");
      // a wrong token is refused inline
      await a.fill("#setup_token", "not-the-token");
      await a.fill("#realm_name", "Hearth Test Co");
      await a.fill("#full_name", OWNER.name);
      await a.fill("#email", OWNER.email);
      await a.fill("#password", OWNER.password);
      await a.click("button[type=submit]");
      await a.waitForSelector("#form-error:not([hidden])");
      expect(await a.textContent("#form-error")).toContain("setup token");
      await a.fill("#setup_token", token);
      await a.fill("#password", OWNER.password);
      await a.click("button[type=submit]");
      if (F.login) {
        // setup logs the owner straight in
        await a.waitForURL(`${server.url}/`, { timeout: 15000 });
        if (APP) await a.waitForSelector(".layout", { timeout: 15000 });
      } else {
        await a.waitForURL(/\/login\?created=1/, { timeout: 15000 });
        expect(await a.inputValue("#username")).toBe(OWNER.email);
      }
      // the page is gone for good
      const again = await fetch(`${server.url}/setup`, { redirect: "manual" });
      expect(again.headers.get("location")).toBe("/login");
    }, 60000);

    test("login page: CSP header, no inline script, accessible", async () => {
      const res = await fetch(`${server.url}/login`);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      await b.goto(`${server.url}/login`);
      expect(await b.title()).toContain("Hearth Test Co");
      expect(await axeAudit(b)).toEqual([]);
      await screenshot(b, "login");
    }, 30000);

    test.skipIf(!F.login)("login: a wrong password shows an error and keeps the page [needs POST /login]", async () => {
      await b.goto(`${server.url}/login`);
      await b.fill("#username", OWNER.email);
      await b.fill("#password", "wrong password");
      await b.click("button[type=submit]");
      await b.waitForSelector("#form-error:not([hidden])");
      expect(new URL(b.url()).pathname).toBe("/login");
    }, 30000);

    test.skipIf(!APP)("log in and load the app; accessible; light and dark screenshots [needs /login, /register, /events, /messages]", async () => {
      await ctxA.clearCookies();
      await login(a, OWNER);
      await a.waitForSelector(".feed");
      expect(await axeAudit(a)).toEqual([]);
      await screenshot(a, "app-empty");
      await a.evaluate(() => (document.documentElement.dataset.theme = "dark"));
      expect(await axeAudit(a)).toEqual([]);
      await a.evaluate(() => (document.documentElement.dataset.theme = "auto"));
      expect(pageErrors).toEqual([]);
    }, 60000);

    test.skipIf(!CHAT)("two users exchange stream and DM messages in real time [needs users, subscriptions, messages, events]", async () => {
      keys.owner = (await apiAs(server.url, null, "POST", "/fetch_api_key", { username: OWNER.email, password: OWNER.password })).api_key;
      ownerId = (await apiAs(server.url, owner(), "GET", "/users/me")).user_id;
      bobId = (await apiAs(server.url, owner(), "POST", "/users", { email: BOB.email, password: BOB.password, full_name: BOB.name })).user_id;
      keys.bob = (await apiAs(server.url, null, "POST", "/fetch_api_key", { username: BOB.email, password: BOB.password })).api_key;
      await apiAs(server.url, owner(), "POST", "/users/me/subscriptions", { subscriptions: [{ name: "general", description: "Everything" }], principals: [ownerId, bobId] });
      streamId = (await apiAs(server.url, owner(), "GET", "/get_stream_id", { stream: "general" })).stream_id;
      // the subscription event reached A's open page without a reload
      await a.waitForSelector(`.sidebar a[href^="#narrow/channel/${streamId}-"]`, { timeout: 25000 });
      await login(b, BOB);

      // A: stream message from the compose box
      await a.click(`.sidebar a[href^="#narrow/channel/${streamId}-"]`);
      await a.keyboard.press("c");
      await a.selectOption("#compose-stream", String(streamId));
      await a.fill("#compose-topic", "greetings");
      await sendFromUi(a, "Hello Bob, welcome to **Hearth**!");
      await feedText(a, "Hello Bob").waitFor({ timeout: 25000 });
      // B sees it live, with the unread count in the sidebar
      await feedText(b, "Hello Bob").waitFor({ timeout: 25000 });

      // B: a DM to A
      await b.goto(`${server.url}/#narrow/dm/${ownerId}`);
      await b.waitForSelector(".feed");
      await b.keyboard.press("x");
      await b.waitForSelector("#compose-content");
      await sendFromUi(b, "A private hello");
      await a.locator(".sidebar .dms a", { hasText: "Bob" }).waitFor({ timeout: 25000 });
      await a.click(".sidebar .dms a");
      await feedText(a, "A private hello").waitFor({ timeout: 25000 });
      // Bob's name with markup is text, never HTML
      expect(await a.locator(".recipient-bar.dm", { hasText: "<img src=x" }).count()).toBeGreaterThan(0);
      expect(dialogs).toEqual([]);
      await screenshot(a, "app-dm");
    }, 90000);

    test.skipIf(!(CHAT && F.invites))("an invitation link: join through the page and land in the app [needs invites + /json/join]", async () => {
      const link: string = (await apiAs(server.url, owner(), "POST", "/invites/multiuse", { invite_expires_in_minutes: 60, invite_as: 400, stream_ids: [streamId] })).invite_link;
      const path = new URL(link).pathname;
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      watch(p);
      await p.goto(server.url + path);
      expect(await axeAudit(p)).toEqual([]);
      await p.fill("#full_name", "Carol Joiner");
      await p.fill("#email", "carol@example.com");
      await p.fill("#password", "carol-pass-123");
      await p.click("button[type=submit]");
      await p.waitForSelector(".layout", { timeout: 15000 });
      await a.locator(".people", { hasText: "Carol Joiner" }).waitFor({ timeout: 25000 });
      await ctx.close();
    }, 60000);

    test.skipIf(!(CHAT && F.edit && F.reactions && F.flags))("edit, react, star, search, mark read [needs edit, reactions, flags, search]", async () => {
      await b.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/greetings`);
      await feedText(b, "Hello Bob").waitFor();
      await a.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/greetings`);
      const row = a.locator(".msg", { hasText: "Hello Bob" }).first();
      await row.waitFor();
      await row.hover();
      await row.locator('button[aria-label="Edit"]').click();
      const ta = row.locator("textarea");
      await ta.waitFor();
      await ta.fill("Hello Bob, welcome to Hearth (edited)");
      await row.locator("button[type=submit]").click();
      await feedText(b, "(edited)").waitFor({ timeout: 25000 });
      await b.locator(".msg", { hasText: "(edited)" }).locator(".edited").first().waitFor();

      // B reacts; A sees the reaction
      await b.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/greetings`);
      const brow = b.locator(".msg", { hasText: "welcome to Hearth" }).first();
      await brow.hover();
      await brow.locator('button[aria-label="Add reaction"]').click();
      await b.locator('.emoji-picker button[aria-label="tada"]').click();
      await a.locator(".msg .reaction", { hasText: "1" }).first().waitFor({ timeout: 25000 });

      // A stars it; the starred view shows it
      await row.hover();
      await row.locator('button[aria-label="Star"]').click();
      await row.locator('button[aria-label="Unstar"]').waitFor({ timeout: 25000 });
      await a.goto(`${server.url}/#narrow/is/starred`);
      await feedText(a, "welcome to Hearth").waitFor({ timeout: 25000 });

      // search
      await a.keyboard.press("/");
      await a.keyboard.type("welcome");
      await a.keyboard.press("Enter");
      await a.waitForURL(/#narrow\/search\/welcome/);
      await feedText(a, "welcome to Hearth").waitFor({ timeout: 25000 });

      // B's message to A becomes read once A has seen it
      await apiAs(server.url, bob(), "POST", "/messages", { type: "stream", to: streamId, topic: "reading", content: "please read me" });
      await a.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/reading`);
      await a.bringToFront();
      // headless pages do not get focus events of their own: this is the user clicking into A's window
      await a.evaluate(() => window.dispatchEvent(new Event("focus")));
      await feedText(a, "please read me").waitFor({ timeout: 25000 });
      await a.waitForFunction(() => document.querySelectorAll(".feed .msg.unread").length === 0, null, { timeout: 25000 });
      // the client batches its flag updates: the server has them within a second or so
      let flags: string[] = [];
      for (let i = 0; i < 50 && !flags.includes("read"); i++) {
        await Bun.sleep(100);
        flags = (await apiAs(server.url, owner(), "GET", "/messages", { anchor: "newest", num_before: 1, num_after: 0, narrow: [{ operator: "topic", operand: "reading" }] })).messages[0].flags;
      }
      expect(flags).toContain("read");
    }, 90000);

    test.skipIf(!(CHAT && F.uploads))("upload by button shows a link in the draft; an over-limit file gives a clear message [needs uploads]", async () => {
      await a.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/files`);
      await a.keyboard.press("c");
      await a.fill("#compose-topic", "files");
      await a.setInputFiles('.compose input[type="file"]', { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello file") });
      await a.waitForFunction(() => /\[notes\.txt\]\(.+\)/.test((document.getElementById("compose-content") as HTMLTextAreaElement).value), null, { timeout: 15000 });
      await sendFromUi(a, (await a.inputValue("#compose-content")) + " attached");
      await b.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/files`);
      await b.locator(".feed a", { hasText: "notes.txt" }).waitFor({ timeout: 25000 });
      // 100 MB dropped on the compose box: refused with a message, nothing breaks
      await a.evaluate(() => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(100 * 1024 * 1024)], "huge.bin"));
        document.querySelector(".compose")!.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      });
      await a.locator(".toast", { hasText: "huge.bin" }).waitFor({ timeout: 30000 });
      expect(pageErrors).toEqual([]);
    }, 90000);

    test.skipIf(!(CHAT && F.typing))("typing notifications: B types a DM, A sees it [needs typing]", async () => {
      await a.goto(`${server.url}/#narrow/dm/${bobId}`);
      await a.waitForSelector(".feed");
      await b.goto(`${server.url}/#narrow/dm/${ownerId}`);
      await b.waitForSelector(".feed");
      await b.keyboard.press("Escape");
      await b.keyboard.press("x");
      await b.waitForSelector("#compose-content");
      await b.focus("#compose-content");
      await b.keyboard.type("typing something", { delay: 20 });
      await a.locator(".typing-line", { hasText: "is typing" }).waitFor({ timeout: 25000 });
      await b.fill("#compose-content", "");
    }, 60000);

    test.skipIf(!CHAT)("bad input: script tags are text, a huge paste is refused clearly [needs messages]", async () => {
      await a.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/bad input`);
      await a.keyboard.press("c");
      await a.fill("#compose-topic", "bad input");
      await sendFromUi(a, "<script>alert('x')</script> and <img src=x onerror=alert(2)>");
      await feedText(b.url().includes("bad") ? b : a, "alert").first().waitFor({ timeout: 25000 });
      expect(dialogs).toEqual([]);
      expect(await a.locator(".feed .msg-content script").count()).toBe(0);
      await a.fill("#compose-content", "x".repeat(20000));
      expect(await a.locator(".compose .form-error").textContent()).toContain("too long");
      expect(await a.locator('.compose button[type="submit"]').isDisabled()).toBe(true);
      await a.fill("#compose-content", "");
    }, 60000);

    test.skipIf(!CHAT)("keyboard only: narrow, compose and send without the mouse [needs messages]", async () => {
      await a.goto(`${server.url}/#narrow/channel/${streamId}-general`);
      await a.waitForSelector(".feed .msg");
      await b.goto(`${server.url}/#feed`);
      await b.waitForSelector(".feed");
      await b.keyboard.press("Escape");
      await b.keyboard.press("c");
      await b.waitForSelector("#compose-stream:focus, #compose-topic:focus, #compose-content:focus");
      await b.selectOption("#compose-stream", String(streamId)); // a select is driven by the keyboard in a real browser; playwright sets it
      await b.focus("#compose-topic");
      await b.keyboard.type("keyboard");
      await b.keyboard.press("Tab");
      await b.keyboard.type("typed without a mouse");
      await b.keyboard.press("Control+Enter");
      await feedText(a, "typed without a mouse").waitFor({ timeout: 25000 });
      // j/k move the selection, r replies to the selected message
      await b.keyboard.press("Escape");
      await b.keyboard.press("k");
      await b.keyboard.press("r");
      await b.waitForSelector("#compose-content:focus");
    }, 60000);

    test.skipIf(!CHAT)("drafts survive a reload; settings show the API key and download a zuliprc; dark theme [needs users]", async () => {
      await a.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/drafts`);
      await a.waitForSelector(".feed");
      await a.keyboard.press("Escape");
      await a.keyboard.press("c");
      await a.fill("#compose-topic", "drafts");
      await a.fill("#compose-content", "an unfinished thought");
      await a.waitForTimeout(500); // drafts are saved after a short pause in typing
      await a.reload();
      await a.waitForSelector(".feed");
      await a.keyboard.press("c");
      await a.fill("#compose-topic", "drafts"); // back in the conversation: its draft returns
      expect(await a.inputValue("#compose-content")).toBe("an unfinished thought");
      await a.fill("#compose-content", "");

      await a.click('button[aria-label="Settings"]');
      await a.waitForSelector("dialog.modal[open]");
      expect(await axeAudit(a)).toEqual([]);
      await a.click("#tab-account");
      await a.fill("#key-pw", OWNER.password);
      await a.click("text=Show API key");
      const key = await a.locator(".api-key").textContent();
      expect(key).toBe(keys.owner);
      const [download] = await Promise.all([a.waitForEvent("download"), a.click("text=Download zuliprc")]);
      const text = await Bun.file((await download.path())!).text();
      expect(text).toContain(`email=${OWNER.email}`);
      expect(text).toContain(`key=${keys.owner}`);
      expect(text).toContain(`site=${server.url}`);
      await screenshot(a, "settings");
      // every section, including the administrators' ones, passes the audit
      for (const tab of await a.locator('[role="tab"]').all()) {
        await tab.click();
        await a.waitForTimeout(100);
        const v = await axeAudit(a);
        expect({ tab: await tab.textContent(), v }).toEqual({ tab: await tab.textContent(), v: [] });
      }
      await a.click("#tab-display");
      await a.selectOption("#theme", "2");
      await a.waitForFunction(() => document.documentElement.dataset.theme === "dark");
      await a.selectOption("#theme", "1");
      await a.keyboard.press("Escape");
      await a.waitForSelector("dialog.modal[open]", { state: "detached" });
    }, 60000);

    test.skipIf(!CHAT)("infinite scroll: older pages load while scrolling up; the DOM stays bounded [needs messages]", async () => {
      // two senders stay under the per-user rate limit (200 requests a minute)
      for (let i = 1; i <= 220; i++) {
        await apiAs(server.url, i % 2 ? owner() : bob(), "POST", "/messages", { type: "stream", to: streamId, topic: "long", content: `long message ${i}` });
      }
      await apiAs(server.url, owner(), "POST", "/mark_all_as_read");
      await a.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/long`);
      await feedText(a, "long message 220").waitFor({ timeout: 25000 });
      const scrollTo = (where: "top" | "bottom") => a.evaluate((w) => {
        const f = document.querySelector(".feed") as HTMLElement;
        f.scrollTop = w === "top" ? 0 : f.scrollHeight;
        f.dispatchEvent(new Event("scroll"));
      }, where);
      for (let i = 0; i < 60 && !(await a.locator(".feed-edge", { hasText: "Beginning of the conversation" }).count()); i++) {
        await scrollTo("top");
        await a.waitForTimeout(150);
        expect(await a.locator(".feed .msg").count()).toBeLessThanOrEqual(200);
      }
      await a.locator(".feed .msg-content", { hasText: /^long message 1$/ }).waitFor({ timeout: 25000 });
      for (let i = 0; i < 60 && !(await feedText(a, "long message 220").count()); i++) {
        await scrollTo("bottom");
        await a.waitForTimeout(150);
      }
      await feedText(a, "long message 220").waitFor({ timeout: 25000 });
    }, 120000);

    test.skipIf(!CHAT)("reconnect: after a server restart the page re-registers and misses nothing [needs events]", async () => {
      await a.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/restart`);
      await a.waitForSelector(".feed");
      await server.stop();
      await a.locator(".conn", { hasText: /Reconnecting|Offline/ }).waitFor({ timeout: 30000 });
      await server.start();
      // sent while A is still re-attaching: it must show up all the same
      await apiAs(server.url, bob(), "POST", "/messages", { type: "stream", to: streamId, topic: "restart", content: "after the restart" });
      await feedText(a, "after the restart").waitFor({ timeout: 45000 });
      // …and the connection banner goes away once it is attached again.
      await a.locator(".conn", { hasText: /Reconnecting|Offline/ }).waitFor({ state: "hidden", timeout: 30000 });
    }, 120000);

    test.skipIf(!CHAT)("phone-sized viewport: the sidebar is a drawer; screenshots [needs the app]", async () => {
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await ctxA.storageState() });
      const p = await phone.newPage();
      watch(p);
      await p.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/greetings`);
      await p.waitForSelector(".feed .msg");
      expect(await p.locator(".sidebar").isVisible()).toBe(true); // in the DOM, off screen
      await p.click(".menu-btn");
      await p.waitForSelector(".sidebar-open");
      await p.waitForTimeout(300); // the drawer's slide-in
      await screenshot(p, "app-phone-sidebar");
      await p.keyboard.press("Escape"); // closes the drawer
      await p.waitForSelector(".layout:not(.sidebar-open)");
      await p.click(".menu-btn");
      await p.click(".scrim", { position: { x: 370, y: 400 } }); // tapping beside the drawer closes it too
      await p.waitForSelector(".layout:not(.sidebar-open)");
      await p.waitForTimeout(300);
      await screenshot(p, "app-phone");
      expect(await axeAudit(p)).toEqual([]);
      await phone.close();
      await a.goto(`${server.url}/#narrow/channel/${streamId}-general/topic/greetings`);
      await a.waitForSelector(".feed .msg");
      await screenshot(a, "app-light");
      await a.evaluate(() => (document.documentElement.dataset.theme = "dark"));
      await screenshot(a, "app-dark");
      expect(await axeAudit(a)).toEqual([]);
      expect(pageErrors).toEqual([]);
    }, 60000);

    test.skipIf(!CHAT)("log out ends the session [needs /logout]", async () => {
      await a.goto(`${server.url}/#feed`);
      await a.waitForSelector(".feed");
      await a.click("text=Log out");
      await a.waitForURL(/\/login\?logged_out=1/);
      await a.goto(server.url);
      expect(new URL(a.url()).pathname).toBe("/login");
    }, 30000);
  });
}
