// Outgoing webhooks (Zulip's outgoing_webhooks worker): a message that mentions an
// outgoing-webhook bot, or a DM to one, POSTs Zulip's payload to the bot's URL. A JSON
// answer with `content` is posted back as the bot; `response_not_required: true` ends
// it. Timeouts, connection errors and 5xx/429 answers are retried with backoff; a 4xx or
// an unusable answer is not. When the call finally fails the bot's owner is told (Zulip
// sends them a DM) and the job stays dead with the reason (`hearth jobs list --dead`).
import type { ActionTx } from "../../actions/tx.ts";
import { MissingPortError } from "../ports.ts";
import { registerJobHandler } from "../registry.ts";
import { PermanentJobError, RetryJobError, type JobContext, type JobTx } from "../types.ts";

export const OUTGOING_WEBHOOK_QUEUE = "outgoing_webhook";

export interface OutgoingWebhookPayload {
  botUserId: number;
  realmId: number;
  /** the bot's service URL and token (Zulip's Service.base_url / token) */
  url: string;
  token: string;
  botEmail: string;
  botFullName: string;
  trigger: "mention" | "direct_message";
  /** the message as Zulip's API shows it (GET /messages), incl. rendered content */
  message: Record<string, unknown> & { id: number };
  /** the message's raw content (Zulip sends it as `data`) */
  data: string;
}

/** What the messages and bots areas provide to this handler. */
export interface OutgoingWebhookPorts {
  /**
   * Post `content` as the bot, replying where the message was (same stream and topic, or
   * the same DM conversation minus the bot). Called inside the job's completion
   * transaction: write through `inTx`, which joins it, so the reply is posted exactly once.
   */
  postReply(r: { botUserId: number; realmId: number; message: OutgoingWebhookPayload["message"]; content: string }): Promise<void>;
  /** Tell the bot's owner that the webhook failed (Zulip: a DM from the notification bot). */
  notifyOwner(n: { botUserId: number; realmId: number; message: OutgoingWebhookPayload["message"]; text: string }): Promise<void>;
}

/** Call in the message-send transaction for each outgoing-webhook bot the message triggers. */
export function enqueueOutgoingWebhook(tx: ActionTx | JobTx, p: OutgoingWebhookPayload) {
  return tx.enqueue(OUTGOING_WEBHOOK_QUEUE, p);
}

/** The body Zulip POSTs (the generic interface). */
export function webhookBody(p: OutgoingWebhookPayload) {
  return { bot_email: p.botEmail, bot_full_name: p.botFullName, data: p.data, message: p.message, token: p.token, trigger: p.trigger };
}

export async function runOutgoingWebhook(ctx: JobContext<OutgoingWebhookPayload>) {
  const ports = ctx.ports.outgoingWebhooks;
  if (!ports) throw new MissingPortError("outgoing-webhook ports");
  const p = ctx.payload;
  const last = ctx.attempt >= ctx.job.maxAttempts;
  const timeoutMs = ctx.deps.config.outgoingWebhookTimeoutSeconds * 1000;
  const failed = async (text: string) => {
    await ports.notifyOwner({ botUserId: p.botUserId, realmId: p.realmId, message: p.message, text: ownerText(p, text) });
    throw new PermanentJobError(text);
  };

  let res: Response;
  try {
    res = await fetch(p.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "ZulipOutgoingWebhook/Hearth" },
      body: JSON.stringify(webhookBody(p)),
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
      redirect: "manual",
    });
  } catch (e) {
    const why = (e as Error).name === "TimeoutError" ? `Request timed out after ${timeoutMs / 1000} seconds` : `Connection failed: ${(e as Error).message}`;
    if (last) await failed(why);
    throw new Error(why);
  }
  const body = await res.text().catch(() => "");
  if (res.status >= 500 || res.status === 429) {
    const why = `The webhook got a response with status code *${res.status}*.`;
    if (last) await failed(why);
    const retryAfter = Number(res.headers.get("retry-after"));
    if (res.status === 429 && retryAfter > 0) throw new RetryJobError(why, Math.min(retryAfter, 3600) * 1000);
    throw new Error(why);
  }
  if (res.status < 200 || res.status >= 300) {
    return failed(`The webhook got a response with status code *${res.status}*.`);
  }
  if (body.trim() === "") return;
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    return failed("Invalid JSON in response");
  }
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) return failed("Invalid response format");
  const a = answer as { content?: unknown; response_not_required?: unknown };
  if (a.response_not_required === true) return;
  if (a.content === undefined || a.content === null || a.content === "") return;
  if (typeof a.content !== "string") return failed("Invalid response format: content must be a string");
  const content = a.content;
  await ctx.complete(() => ports.postReply({ botUserId: p.botUserId, realmId: p.realmId, message: p.message, content }));
}

function ownerText(p: OutgoingWebhookPayload, why: string): string {
  return `[A message](#narrow/id/${p.message.id}) to your bot @_**${p.botFullName}** triggered an outgoing webhook.\n${why}`;
}

registerJobHandler<OutgoingWebhookPayload>(OUTGOING_WEBHOOK_QUEUE, runOutgoingWebhook, {
  maxAttempts: 4,
  timeoutMs: 5 * 60_000,
  // slow bots must not take every worker slot from email and the rest
  concurrency: 2,
  backoffBaseMs: 5_000,
});
