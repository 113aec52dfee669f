// Email templates and backoff: pure functions, no database.
import { expect, test } from "bun:test";
import { escapeHtml, invitationEmail, missedMessagesEmail, sanitizeEmailHtml } from "../../src/email/templates.ts";
import { backoffMs } from "../../src/jobs/runner.ts";

test("message HTML is re-sanitized for mail clients: no scripts, handlers or javascript: links; links made absolute", () => {
  const out = sanitizeEmailHtml(
    `<p onclick="x()">hi <a href="javascript:alert(1)">bad</a> <a href="/user_uploads/1/a.png">up</a></p><script>alert(1)</script><img src="/x.png" onerror="y()"><form><input></form>`,
    "https://chat.example.com",
  );
  expect(out).not.toContain("script");
  expect(out).not.toContain("onclick");
  expect(out).not.toContain("onerror");
  expect(out).not.toContain("javascript:");
  expect(out).not.toContain("<form");
  expect(out).toContain(`href="https://chat.example.com/user_uploads/1/a.png"`);
  expect(out).toContain(`src="https://chat.example.com/x.png"`);
});

test("names and titles are escaped in both parts' HTML", () => {
  const e = missedMessagesEmail({
    realmName: "Org <b>", realmUrl: "https://chat.example.com", recipientName: `<img src=x onerror=alert(1)>`,
    settingsUrl: "https://chat.example.com/#settings",
    conversations: [{
      kind: "stream", title: `#a"b > <t>`, url: "https://chat.example.com/#narrow/x",
      messages: [{ id: 1, senderName: "<script>", timestamp: 0, content: "hi", renderedContent: "<p>hi</p>" }],
    }],
  });
  expect(e.html).not.toContain("<script>");
  expect(e.html).not.toContain("<img src=x");
  expect(e.html).toContain(escapeHtml(`#a"b > <t>`));
  expect(e.text).toContain("<script> (1970-01-01 00:00 UTC):");
  expect(e.subject).toBe(`#a"b > <t>`);
  const inv = invitationEmail({ realmName: "Org", inviterName: "<Eve>", acceptUrl: "https://x/accept?k=1&a=2", customText: "<b>hi</b>" });
  expect(inv.html).toContain("&lt;Eve&gt;");
  expect(inv.html).toContain("&lt;b&gt;hi&lt;/b&gt;");
  expect(inv.html).toContain(`href="https://x/accept?k=1&amp;a=2"`);
  expect(inv.text).toContain("https://x/accept?k=1&a=2");
});

test("backoff grows exponentially, is capped, and is jittered ±25 %", () => {
  const samples = (attempt: number) => Array.from({ length: 200 }, () => backoffMs(attempt, { backoffBaseMs: 1000, backoffMaxMs: 60_000 }));
  for (const [attempt, nominal] of [[1, 1000], [2, 2000], [4, 8000], [10, 60_000]] as const) {
    const s = samples(attempt);
    expect(Math.min(...s)).toBeGreaterThanOrEqual(nominal * 0.75);
    expect(Math.max(...s)).toBeLessThanOrEqual(nominal * 1.25);
    expect(new Set(s).size).toBeGreaterThan(10);
  }
});
