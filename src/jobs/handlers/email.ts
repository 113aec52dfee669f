// The `email` queue: one job per email, sent over SMTP. Delivery is at-least-once: if the
// process dies after the server accepted the mail but before the job is marked done, it is
// sent again with the same Message-ID.
import { registerJobHandler } from "../registry.ts";
import { PermanentJobError, type JobTx } from "../types.ts";
import type { ActionTx } from "../../actions/tx.ts";
import type { OutgoingEmail } from "../../email/transport.ts";

export const EMAIL_QUEUE = "email";

/** Enqueue an email inside the caller's transaction (sent only if it commits). */
export function enqueueEmail(tx: ActionTx | JobTx, mail: OutgoingEmail, opts: { idempotencyKey?: string } = {}) {
  return tx.enqueue(EMAIL_QUEUE, mail, opts);
}

registerJobHandler<OutgoingEmail>(
  EMAIL_QUEUE,
  async ({ payload, ports, log, job }) => {
    if (!payload?.to || !payload.subject || typeof payload.text !== "string") {
      throw new PermanentJobError("malformed email job: needs to, subject and text");
    }
    const host = ports.mailer.from.match(/@([^>\s]+)/)?.[1] ?? "hearth.invalid";
    const sent = await ports.mailer.send({ ...payload, messageId: payload.messageId ?? `<job-${job.id}@${host}>` });
    if (ports.mailer.configured && sent.accepted.length === 0) {
      throw new Error(`mail server accepted no recipient (rejected: ${sent.rejected.join(", ")})`);
    }
    log.info("email sent", { to: payload.to, subject: payload.subject, message_id: sent.messageId });
  },
  { maxAttempts: 8, timeoutMs: 120_000, backoffBaseMs: 30_000 },
);
