// Weekly digest emails (Zulip's digest_emails worker), skeleton: the schedule, the job and
// the template are here; choosing recipients and their content belongs to the messages /
// people areas, behind DigestSource. Without a source the job logs and does nothing.
import { digestEmail, type DigestView } from "../../email/templates.ts";
import { registerJobHandler, registerSchedule } from "../registry.ts";
import { enqueueEmail } from "./email.ts";

export const DIGEST_QUEUE = "digest_emails";

export interface DigestSource {
  /**
   * Users to send a digest now: digests enabled (enable_digest_emails, realm's
   * digest_emails_enabled), away long enough (Zulip: no activity for a week), with content
   * worth sending. Each with its delivery email and the digest's content.
   */
  due(now: Date): Promise<{ userId: number; email: string; view: DigestView }[]>;
}

registerJobHandler(DIGEST_QUEUE, async (ctx) => {
  const source = ctx.ports.digest;
  if (!source) {
    ctx.log.info("digest emails skipped: no digest source connected");
    return;
  }
  const due = await source.due(ctx.deps.now());
  // All of this tick's emails are enqueued with the job's completion: once per tick.
  await ctx.complete(async (tx) => {
    for (const d of due) {
      const e = digestEmail(d.view);
      await enqueueEmail(tx, { to: d.email, subject: e.subject, text: e.text, html: e.html, headers: { "Auto-Submitted": "auto-generated" } });
    }
  });
  ctx.log.info("digest emails enqueued", { count: due.length });
}, { maxAttempts: 3, timeoutMs: 30 * 60_000, concurrency: 1 });

// Zulip sends digests on Tuesdays.
registerSchedule({ name: "weekly-digest", cron: "0 18 * * 2", queue: DIGEST_QUEUE, payload: {} });
