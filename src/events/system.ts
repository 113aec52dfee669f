// Event queues (Zulip semantics, ZULIP-API.md §4.3) and their two transports: long-poll
// (GET /events) and WebSocket (/ws) are views of the same queue.
//
// Memory and CPU decisions (DESIGN.md "Performance decisions"):
// - One node-wide event id counter shared by all queues. Zulip allows ids that increase
//   but are not contiguous, so an event has the same id in every queue, and one
//   serialized string (per group of identical per-user overrides) is stored in every
//   queue and written to every socket unchanged.
// - A queue holds only what its client has not acknowledged, bounded in bytes; a queue
//   over the cap is dropped and its client gets BAD_EVENT_QUEUE_ID and re-registers.
// - An idle attached WebSocket costs one small EventQueue object and no timers: idle
//   collection is one sweep per node, heartbeats are only for held long-polls.
import type { BatchMeta, EventBus, EventEnvelope, ZulipEvent } from "./bus.ts";
import type { RegisterOptions } from "./state/types.ts";
import type { Visibility } from "../db/snapshot.ts";
import type { Logger } from "../lib/log.ts";
import { compileNarrow } from "./narrow.ts";
import { ApiError } from "../domain/errors.ts";

export interface EventSystemOptions {
  heartbeatMs: number;
  idleMs: number;
  maxQueueBytes: number;
  log: Logger;
  now?: () => number;
}

/** Where a queue's events go while a WebSocket is attached (a Bun ServerWebSocket fits). */
export interface EventSink {
  send(data: string): unknown;
  close(code?: number, reason?: string): unknown;
}

interface Entry {
  id: number;
  json: string;
  /** commit mark, kept only until the register snapshot has judged it */
  mark?: number;
}

interface HeldPoll {
  resolve(events: string[] | ApiError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class BadEventQueueId extends ApiError {
  constructor(queueId: string) {
    super("BAD_EVENT_QUEUE_ID", `Bad event queue ID: ${queueId}`, { queue_id: queueId });
  }
}

/** What a queue was registered with that decides the form of its events (kept for restore). */
export interface QueueOptions {
  eventTypes: string[] | null;
  narrow: RegisterOptions["narrow"];
  allPublicStreams: boolean;
  /** false: message events carry the raw Markdown (content_type text/x-markdown) */
  applyMarkdown: boolean;
  /** true: avatar_url is null for Gravatar users (the client computes it) */
  clientGravatar: boolean;
  /** client capability: one bulk delete_message event instead of one per message */
  bulkMessageDeletion: boolean;
}

export function queueOptions(o: Pick<RegisterOptions, "eventTypes" | "narrow" | "allPublicStreams"> & Partial<RegisterOptions>): QueueOptions {
  return {
    eventTypes: o.eventTypes,
    narrow: o.narrow,
    allPublicStreams: o.allPublicStreams,
    applyMarkdown: o.applyMarkdown ?? true,
    clientGravatar: o.clientGravatar ?? false,
    bulkMessageDeletion: o.clientCapabilities?.bulk_message_deletion === true,
  };
}

export class EventQueue {
  entries: Entry[] = [];
  bytes = 0;
  lastActive: number;
  poll: HeldPoll | null = null;
  sink: EventSink | null = null;
  /** highest id written to the attached socket */
  sentUpTo = 0;
  /** null until the register snapshot is taken; then the marks it already contains */
  seen: Visibility | null | undefined = undefined;
  readonly accepts: (event: ZulipEvent) => boolean;
  readonly allPublicStreams: boolean;

  constructor(
    readonly id: string,
    readonly userId: number,
    readonly realmId: number,
    readonly options: QueueOptions,
    readonly createdAtId: number,
    readonly idleMs: number,
    now: number,
  ) {
    this.lastActive = now;
    this.allPublicStreams = options.allPublicStreams;
    const types = options.eventTypes ? new Set(options.eventTypes) : null;
    const narrowed = compileNarrow(options.narrow);
    this.accepts = (e) => {
      if (types && !types.has(e.type) && e.type !== "heartbeat") return false;
      if (narrowed && e.type === "message") return narrowed(e);
      return true;
    };
  }

  /** Acknowledge: forget everything up to and including lastEventId. */
  ack(lastEventId: number) {
    let n = 0;
    while (n < this.entries.length && this.entries[n]!.id <= lastEventId) this.bytes -= this.entries[n++]!.json.length;
    if (n) this.entries.splice(0, n);
  }

  /** Serialized events with an id above `after`, in order. */
  after(after: number): string[] {
    const out: string[] = [];
    for (const e of this.entries) if (e.id > after) out.push(e.json);
    return out;
  }
}

/** The queues of a stopped node, as events/persist.ts stores them. */
export interface QueueDump {
  lastEventId: number;
  savedAt: number;
  queues: {
    id: string;
    userId: number;
    realmId: number;
    options: QueueOptions;
    createdAtId: number;
    idleMs: number;
    lastActive: number;
    /** pending (unacknowledged) events: [id, serialized event] */
    entries: [number, string][];
  }[];
}

export interface EventStats {
  /** event queues on this node */
  queues: number;
  /** GET /events requests being held open */
  heldPolls: number;
  /** attached WebSocket connections (attached to a queue or not) */
  wsConnections: number;
  /** event copies put into queues (one event to 100 queues counts 100) */
  eventsDelivered: number;
  /** envelopes this node has received from the bus (local and remote) */
  eventsProcessed: number;
  /** queues removed for idleness / for exceeding the memory cap */
  queuesCollected: number;
  queuesDropped: number;
  /** the node-wide event id counter */
  lastEventId: number;
}

/** Invalidation kind: these users lost access (deactivated); their queues are dropped. */
export const USER_ACCESS_REVOKED = "user_access_revoked";

export class EventSystem {
  private queues = new Map<string, EventQueue>();
  private byUser = new Map<number, Set<EventQueue>>();
  /** realm id → queues registered with all_public_streams */
  private publicQueues = new Map<number, Set<EventQueue>>();
  private lastId = 0;
  private gcTimer: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private counters = { delivered: 0, processed: 0, collected: 0, dropped: 0 };
  wsConnections = 0;
  private heldPolls = 0;
  private readonly now: () => number;

  constructor(private readonly opts: EventSystemOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(bus: EventBus) {
    const off = bus.subscribe((batch, meta) => this.deliver(batch, meta));
    // The security model: a deactivated user's open clients stop receiving at once, on
    // every node (invalidations travel through the cluster link like events).
    const offUsers = bus.onInvalidate(USER_ACCESS_REVOKED, (ids) => {
      for (const id of ids ?? []) this.dropUser(id);
    });
    this.unsubscribe = () => {
      off();
      offUsers();
    };
    // One sweep per node, at a fraction of the idle limit (never slower than a minute).
    const every = Math.max(50, Math.min(60_000, Math.floor(this.opts.idleMs / 4)));
    this.gcTimer = setInterval(() => this.collectIdle(), every);
    this.gcTimer.unref?.();
  }

  /** Graceful shutdown: answer every held long-poll at once and close the sockets (1012: service restart). */
  stop() {
    this.unsubscribe?.();
    if (this.gcTimer) clearInterval(this.gcTimer);
    for (const q of this.queues.values()) {
      if (q.poll) this.answerPoll(q, [this.serverEventJson({ type: "heartbeat" }, q)]);
      if (q.sink) {
        try {
          q.sink.close(1012, "server restarting");
        } catch {}
        q.sink = null;
      }
    }
  }

  stats(): EventStats {
    return {
      queues: this.queues.size,
      heldPolls: this.heldPolls,
      wsConnections: this.wsConnections,
      eventsDelivered: this.counters.delivered,
      eventsProcessed: this.counters.processed,
      queuesCollected: this.counters.collected,
      queuesDropped: this.counters.dropped,
      lastEventId: this.lastId,
    };
  }

  get currentEventId() {
    return this.lastId;
  }

  // ---------------------------------------------------------------- queues

  /**
   * Creates a queue that records every event from now on. Until `snapshotTaken` says
   * which commits the register snapshot saw, events keep their commit mark.
   */
  createQueue(userId: number, realmId: number, options: Pick<RegisterOptions, "eventTypes" | "narrow" | "allPublicStreams"> & Partial<RegisterOptions>, idleSeconds?: number): EventQueue {
    const id = `${crypto.randomUUID()}`;
    const idleMs = idleSeconds ? Math.min(idleSeconds * 1000, this.opts.idleMs) : this.opts.idleMs;
    return this.add(new EventQueue(id, userId, realmId, queueOptions(options), this.lastId, idleMs, this.now()));
  }

  private add(q: EventQueue): EventQueue {
    const { id, userId, realmId } = q;
    this.queues.set(id, q);
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(q);
    if (q.allPublicStreams) {
      let ps = this.publicQueues.get(realmId);
      if (!ps) this.publicQueues.set(realmId, (ps = new Set()));
      ps.add(q);
    }
    return q;
  }

  // ---------------------------------------------------------------- restart persistence

  /**
   * The live queues as plain data (for events/persist.ts), most recently active first,
   * bounded to `maxBytes` of pending events in all: queues beyond it are left out and
   * their clients re-register. Call after stop().
   */
  dump(maxBytes: number): QueueDump {
    const out: QueueDump = { lastEventId: this.lastId, savedAt: this.now(), queues: [] };
    let total = 0;
    const qs = [...this.queues.values()].filter((q) => q.seen !== undefined).sort((a, b) => b.lastActive - a.lastActive);
    for (const q of qs) {
      if (total + q.bytes > maxBytes) continue;
      total += q.bytes;
      out.queues.push({
        id: q.id, userId: q.userId, realmId: q.realmId, options: q.options, createdAtId: q.createdAtId, idleMs: q.idleMs,
        lastActive: q.lastActive, entries: q.entries.map((e) => [e.id, e.json]),
      });
    }
    return out;
  }

  /**
   * Recreates dumped queues (same ids, same pending events), dropping those idle past
   * their limit, and moves the event id counter past every restored id. Returns the
   * restored queues.
   */
  restore(dump: QueueDump): EventQueue[] {
    const now = this.now();
    this.lastId = Math.max(this.lastId, dump.lastEventId);
    const restored: EventQueue[] = [];
    for (const d of dump.queues) {
      if (this.queues.has(d.id)) continue;
      const idleMs = Math.min(d.idleMs, this.opts.idleMs);
      if (now - d.lastActive > idleMs) continue;
      const q = new EventQueue(d.id, d.userId, d.realmId, d.options, d.createdAtId, idleMs, d.lastActive);
      for (const [id, json] of d.entries) {
        q.entries.push({ id, json });
        q.bytes += json.length;
      }
      // The snapshot is long past: every event from now on is new to this queue.
      q.seen = () => false;
      restored.push(this.add(q));
    }
    return restored;
  }

  /** The snapshot is taken: drop recorded events it already contains, and future ones too. */
  snapshotTaken(q: EventQueue, visible: Visibility) {
    q.seen = visible;
    const keep: Entry[] = [];
    for (const e of q.entries) {
      if (e.mark !== undefined && visible(e.mark)) q.bytes -= e.json.length;
      else keep.push({ id: e.id, json: e.json });
    }
    q.entries = keep;
    this.flush(q);
  }

  get(queueId: string, userId: number): EventQueue {
    const q = this.queues.get(queueId);
    // Another user's queue id is answered like an unknown one: ids are not to be probed.
    if (!q || q.userId !== userId) throw new BadEventQueueId(queueId);
    return q;
  }

  delete(queueId: string, userId: number) {
    this.remove(this.get(queueId, userId));
  }

  /** Drops every queue (their clients re-register), e.g. when this node may have missed events. */
  dropAll() {
    for (const q of [...this.queues.values()]) {
      this.counters.dropped++;
      this.remove(q);
    }
  }

  /** Drops every queue of a user (deactivation): their clients get BAD_EVENT_QUEUE_ID and their sockets close. */
  dropUser(userId: number) {
    for (const q of [...(this.byUser.get(userId) ?? [])]) this.remove(q);
  }

  /** Removes a queue whose register failed. */
  discard(q: EventQueue) {
    this.remove(q);
  }

  private remove(q: EventQueue, reason?: ApiError) {
    if (this.queues.get(q.id) !== q) return;
    this.queues.delete(q.id);
    const set = this.byUser.get(q.userId);
    set?.delete(q);
    if (set?.size === 0) this.byUser.delete(q.userId);
    if (q.allPublicStreams) {
      const ps = this.publicQueues.get(q.realmId);
      ps?.delete(q);
      if (ps?.size === 0) this.publicQueues.delete(q.realmId);
    }
    if (q.poll) this.answerPoll(q, reason ?? new BadEventQueueId(q.id));
    if (q.sink) {
      const err = reason ?? new BadEventQueueId(q.id);
      try {
        q.sink.send(JSON.stringify({ op: "error", result: "error", code: err.code, msg: err.message, ...err.data }));
        q.sink.close(4000, err.code);
      } catch {}
      q.sink = null;
    }
    q.entries = [];
    q.bytes = 0;
  }

  private collectIdle() {
    const now = this.now();
    for (const q of this.queues.values()) {
      if (q.poll || q.sink) {
        q.lastActive = now;
        continue;
      }
      if (now - q.lastActive > q.idleMs) {
        this.counters.collected++;
        this.opts.log.info("event queue collected", { queue_id: q.id, user_id: q.userId, idle_ms: now - q.lastActive });
        this.remove(q);
      }
    }
  }

  // ---------------------------------------------------------------- long-poll

  /**
   * GET /events: acknowledge, then return what is queued; with nothing queued return []
   * (dont_block) or hold until an event arrives or the heartbeat is due. A newer poll on
   * the same queue answers the older one at once with [].
   */
  poll(q: EventQueue, lastEventId: number | undefined, dontBlock: boolean, signal?: AbortSignal): Promise<string[]> {
    q.lastActive = this.now();
    if (lastEventId !== undefined) q.ack(lastEventId);
    if (q.seen !== undefined) {
      const ready = q.after(-1);
      if (ready.length || dontBlock) return Promise.resolve(ready);
    } else if (dontBlock) return Promise.resolve([]);
    if (q.poll) this.answerPoll(q, []);
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (q.poll === held) this.answerPoll(q, [this.serverEventJson({ type: "heartbeat" }, q)]);
      }, this.opts.heartbeatMs);
      const held: HeldPoll = { resolve: (r) => (r instanceof ApiError ? reject(r) : resolve(r)), timer };
      q.poll = held;
      this.heldPolls++;
      signal?.addEventListener("abort", () => {
        if (q.poll === held) {
          clearTimeout(timer);
          q.poll = null;
          this.heldPolls--;
          q.lastActive = this.now();
          resolve([]);
        }
      });
    });
  }

  private answerPoll(q: EventQueue, result: string[] | ApiError) {
    const held = q.poll;
    if (!held) return;
    q.poll = null;
    this.heldPolls--;
    clearTimeout(held.timer);
    q.lastActive = this.now();
    held.resolve(result);
  }

  /** A server-made event (heartbeat, restart) with a fresh id, appended to the queue. */
  private serverEventJson(event: ZulipEvent, q: EventQueue): string {
    const json = withId(JSON.stringify(event), ++this.lastId);
    this.push(q, { id: this.lastId, json });
    return json;
  }

  // ---------------------------------------------------------------- WebSocket

  /** Attach a socket to a queue: replay everything after lastEventId, then push live. */
  attach(q: EventQueue, sink: EventSink, lastEventId: number | undefined) {
    if (q.sink && q.sink !== sink) {
      try {
        q.sink.close(4001, "attached elsewhere");
      } catch {}
    }
    if (q.poll) this.answerPoll(q, []);
    q.sink = sink;
    q.lastActive = this.now();
    if (lastEventId !== undefined) q.ack(lastEventId);
    q.sentUpTo = lastEventId ?? -1;
    this.flush(q);
  }

  detach(q: EventQueue, sink: EventSink) {
    if (q.sink === sink) {
      q.sink = null;
      q.lastActive = this.now();
    }
  }

  /** Server-wide event (restart) to every local queue that accepts it. */
  broadcast(event: ZulipEvent) {
    const json = withId(JSON.stringify(event), ++this.lastId);
    for (const q of this.queues.values()) {
      if (!q.accepts(event)) continue;
      this.push(q, { id: this.lastId, json });
      this.flush(q);
    }
  }

  /** A server-made event for one queue (restart into a restored queue). */
  broadcastTo(q: EventQueue, event: ZulipEvent) {
    if (!q.accepts(event)) return;
    this.push(q, { id: ++this.lastId, json: withId(JSON.stringify(event), this.lastId) });
    this.flush(q);
  }

  // ---------------------------------------------------------------- delivery

  private deliver(batch: EventEnvelope[], meta: BatchMeta) {
    const touched = new Set<EventQueue>();
    for (const env of batch) {
      this.counters.processed++;
      const ev = env.event;
      // Zulip's compatibility form of delete_message for clients without the
      // bulk_message_deletion capability: one event per message, each with its own id.
      const ids = ev.type === "delete_message" && Array.isArray(ev.message_ids) ? (ev.message_ids as number[]) : null;
      const first = this.lastId + 1;
      this.lastId += ids && ids.length > 1 ? ids.length : 1;
      const id = this.lastId;
      // One serialization per distinct form: (message variant, legacy delete, sending
      // queue, per-user override group). Most recipients share the first one.
      const cache = new Map<string, Entry[]>();
      const entriesFor = (q: EventQueue, userId: number): Entry[] => {
        const extra = env.perUser?.[userId];
        const mine = env.perQueue?.[q.id];
        const own = mine && mine.userId === q.userId ? mine.fields : undefined;
        const v = (env.rawContent !== undefined && !q.options.applyMarkdown ? 1 : 0) | (env.gravatarSender && q.options.clientGravatar ? 2 : 0);
        const legacy = ids !== null && !q.options.bulkMessageDeletion;
        const key = `${v}${legacy ? "L" : ""}${own ? q.id : ""}|${extra ? JSON.stringify(extra) : ""}`;
        let out = cache.get(key);
        if (out) return out;
        let e: ZulipEvent = extra || own ? { ...ev, ...extra, ...own } : ev;
        if (v) e = messageVariant(e, v, env.rawContent);
        if (legacy) {
          const { message_ids: _, ...rest } = e;
          out = ids!.map((mid, i) => ({ id: ids!.length > 1 ? first + i : id, json: withId(JSON.stringify({ ...rest, message_id: mid }), ids!.length > 1 ? first + i : id) }));
        } else out = [{ id, json: withId(JSON.stringify(e), id) }];
        cache.set(key, out);
        return out;
      };
      const offer = (q: EventQueue, userId: number) => {
        if (q.seen && meta.mark !== undefined && q.seen(meta.mark)) return;
        if (!q.accepts(ev)) return;
        for (const shared of entriesFor(q, userId)) {
          const entry: Entry = { id: shared.id, json: shared.json };
          if (q.seen === undefined && meta.mark !== undefined) entry.mark = meta.mark;
          if (this.push(q, entry)) touched.add(q);
          else break;
        }
      };
      for (const userId of env.userIds) {
        const qs = this.byUser.get(userId);
        if (qs) for (const q of qs) offer(q, userId);
      }
      if (env.publicStreamRealmId !== undefined) {
        const ps = this.publicQueues.get(env.publicStreamRealmId);
        if (ps) {
          const recipients = env.userIds.length > 8 ? new Set(env.userIds) : null;
          for (const q of ps) {
            const isRecipient = recipients ? recipients.has(q.userId) : env.userIds.includes(q.userId);
            if (!isRecipient) offer(q, q.userId);
          }
        }
      }
    }
    for (const q of touched) this.flush(q);
  }

  /** Appends an entry; drops the queue when it exceeds its memory cap. */
  private push(q: EventQueue, e: Entry): boolean {
    if (this.queues.get(q.id) !== q) return false;
    q.entries.push(e);
    q.bytes += e.json.length;
    this.counters.delivered++;
    if (q.bytes > this.opts.maxQueueBytes) {
      this.counters.dropped++;
      this.opts.log.warn("event queue dropped: over its memory cap", { queue_id: q.id, user_id: q.userId, bytes: q.bytes, events: q.entries.length });
      this.remove(q);
      return false;
    }
    return true;
  }

  /** Hands newly queued events to the waiting long-poll or the attached socket. */
  private flush(q: EventQueue) {
    if (q.seen === undefined) return; // register has not returned yet
    if (q.poll && q.entries.length) this.answerPoll(q, q.after(-1));
    else if (q.sink) {
      const sink = q.sink;
      for (const e of q.entries) {
        if (e.id <= q.sentUpTo) continue;
        // 0: Bun dropped the send (over its backpressure limit). Losing it silently would
        // lose an event; closing makes the client re-attach and replay from the queue.
        if (sink.send(e.json) === 0) {
          q.sink = null;
          sink.close(1013, "backpressure");
          return;
        }
        q.sentUpTo = e.id;
      }
    }
  }
}

/**
 * A message event in the form a queue asked for (Zulip's finalize_payload): bit 1 — raw
 * Markdown instead of HTML (apply_markdown=false); bit 2 — no Gravatar URL
 * (client_gravatar=true).
 */
function messageVariant(e: ZulipEvent, v: number, raw: string | undefined): ZulipEvent {
  if (e.type !== "message" || typeof e.message !== "object" || e.message === null) return e;
  const message: Record<string, unknown> = { ...(e.message as Record<string, unknown>) };
  if (v & 1 && raw !== undefined) {
    message.content = raw;
    message.content_type = "text/x-markdown";
  }
  if (v & 2) message.avatar_url = null;
  return { ...e, message };
}

/** Adds `"id":N` to a serialized event object (cheaper than re-serializing with the id). */
function withId(json: string, id: number): string {
  return json.length > 2 ? `${json.slice(0, -1)},"id":${id}}` : `{"id":${id}}`;
}
