// What job handlers need from other areas, as narrow interfaces. The integrator connects
// them with `app.jobs.provide({...})`; until then the handlers that need a missing port
// fail visibly (the job retries, then is dead with the reason), never silently succeed.
import type { Mailer } from "../email/transport.ts";
import type { MissedMessageSource } from "./handlers/missed-messages.ts";
import type { OutgoingWebhookPorts } from "./handlers/outgoing-webhook.ts";
import type { DigestSource } from "./handlers/digest.ts";

export interface JobPorts {
  mailer: Mailer;
  /** messages area: which messages are still unread for a user, and their rendered content */
  missedMessages?: MissedMessageSource;
  /** messages/bots areas: post an outgoing-webhook bot's reply; tell a bot's owner about failures */
  outgoingWebhooks?: OutgoingWebhookPorts;
  /** weekly digest recipients and content (skeleton; see handlers/digest.ts) */
  digest?: DigestSource;
}

export class MissingPortError extends Error {
  constructor(port: string) {
    super(`${port} is not connected (app.jobs.provide); the job will be retried`);
    this.name = "MissingPortError";
  }
}
