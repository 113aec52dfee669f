// The in-process event bus: the one path from a committed action to the clients' event
// queues. Actions hand it batches after commit (actions/tx.ts); the event system
// (events/) subscribes and delivers to matching queues; with several nodes it is also fed
// from Postgres NOTIFY. The bus never decides who may see what: recipients come from the
// action.

export type ZulipEvent = { type: string; [key: string]: unknown };

export interface EventEnvelope {
  event: ZulipEvent;
  /** users whose queues may receive this event */
  userIds: number[];
  realmId?: number;
  /**
   * Per-user differences from `event`, merged over it for that user's queues only (a
   * message event's `flags`). Most recipients share the base payload, so it is
   * serialized once per group of identical payloads, not once per recipient.
   */
  perUser?: Record<number, Record<string, unknown>>;
  /**
   * A message to a public stream: queues registered with all_public_streams=true in this
   * realm receive it even when their user is not among userIds (Zulip semantics).
   */
  publicStreamRealmId?: number;
}

export type BusListener = (batch: EventEnvelope[]) => void;

export class EventBus {
  private listeners = new Set<BusListener>();
  /** total events published in this process (metrics) */
  published = 0;

  subscribe(fn: BusListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(batch: EventEnvelope[]): void {
    if (batch.length === 0) return;
    this.published += batch.length;
    for (const fn of this.listeners) {
      try {
        fn(batch);
      } catch (e) {
        console.error("event listener failed", e);
      }
    }
  }
}
