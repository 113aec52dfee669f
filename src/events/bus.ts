// The in-process event bus: the one path from a committed action to the clients' event
// queues. Actions hand it batches after commit (actions/tx.ts); the event system
// (events/system.ts) subscribes and delivers to matching queues; with several nodes the
// cluster link (events/cluster.ts) forwards local batches to the other nodes and feeds
// theirs back in through `receive`. The bus never decides who may see what: recipients
// come from the action.

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
  /**
   * Additions for one queue only, by queue id (`local_message_id` for the queue that
   * sent the message, as Zulip's sender_queue_id), merged after perUser. Applied only
   * when the queue belongs to `userId`: a queue id named by another user changes nothing.
   */
  perQueue?: Record<string, { userId: number; fields: Record<string, unknown> }>;
  /**
   * A message event's raw Markdown: queues registered with apply_markdown=false get it as
   * `message.content` with `content_type: "text/x-markdown"` (the event carries the HTML).
   */
  rawContent?: string;
  /** The message sender uses Gravatar: queues registered with client_gravatar=true get `avatar_url: null`. */
  gravatarSender?: boolean;
}

/** Facts about a batch that are not part of any event. */
export interface BatchMeta {
  /** commit mark of the transaction that produced the batch (db/snapshot.ts); none for server-made events */
  mark?: number;
  /** true when the batch came from another node */
  remote?: boolean;
}

export type BusListener = (batch: EventEnvelope[], meta: BatchMeta) => void;
export type InvalidationListener = (kind: string, ids: number[] | null) => void;

/** Where local batches and invalidations go to reach other nodes (set by events/cluster.ts). */
export interface BusUplink {
  forward(batch: EventEnvelope[], meta: BatchMeta): void;
  invalidate(kind: string, ids: number[] | null): void;
}

export class EventBus {
  private listeners = new Set<BusListener>();
  private invalidationListeners = new Set<InvalidationListener>();
  uplink: BusUplink | null = null;
  /** total events published in this process (metrics) */
  published = 0;

  subscribe(fn: BusListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** A batch committed on this node: delivered here, and forwarded to the other nodes. */
  publish(batch: EventEnvelope[], meta: BatchMeta = {}): void {
    if (batch.length === 0) return;
    this.published += batch.length;
    this.dispatch(batch, meta);
    this.uplink?.forward(batch, meta);
  }

  /** A batch committed on another node: delivered here only. */
  receive(batch: EventEnvelope[], meta: BatchMeta = {}): void {
    if (batch.length === 0) return;
    this.dispatch(batch, { ...meta, remote: true });
  }

  private dispatch(batch: EventEnvelope[], meta: BatchMeta) {
    for (const fn of this.listeners) {
      try {
        fn(batch, meta);
      } catch (e) {
        console.error("event listener failed", e);
      }
    }
  }

  /**
   * Cache invalidation on every node: `kind` names a cache ("user", "stream",
   * "subscription"…), `ids` the changed keys (null: everything of that kind). Call it
   * after commit (tx.afterCommit), like events.
   */
  invalidate(kind: string, ids: number[] | null): void {
    this.invalidated(kind, ids);
    this.uplink?.invalidate(kind, ids);
  }

  /** Subscribes a cache to invalidations of `kind` (local and from other nodes). */
  onInvalidate(kind: string, fn: (ids: number[] | null) => void): () => void {
    const l: InvalidationListener = (k, ids) => {
      if (k === kind) fn(ids);
    };
    this.invalidationListeners.add(l);
    return () => this.invalidationListeners.delete(l);
  }

  /** An invalidation arrived (from this node or another): run the local listeners. */
  invalidated(kind: string, ids: number[] | null): void {
    for (const fn of this.invalidationListeners) {
      try {
        fn(kind, ids);
      } catch (e) {
        console.error("invalidation listener failed", e);
      }
    }
  }
}
