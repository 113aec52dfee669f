// Several nodes on one PostgreSQL database: every node forwards the event batches its
// actions committed, and its cache invalidations, over LISTEN/NOTIFY; every node delivers
// what the others send to its own queues. SQLite has no such link: one process serves a
// SQLite file (db/client.ts refuses a second one).
//
// - NOTIFY is sent after commit, never inside the action's transaction (inside, it would
//   serialize commits under write concurrency: DESIGN.md "Performance decisions").
// - Sends go out one at a time, in commit order, so every node sees one node's batches in
//   the order they were published; batches that queue up meanwhile share a notification.
// - A notification is at most ~7 KB (Postgres caps payloads at 8,000 bytes). A batch too
//   large for one (a message to a big stream: the recipient list) is stored in
//   event_spill and the notification carries its id; receivers fetch it. Spills are
//   deleted after a few minutes.
// - If the LISTEN connection drops, notifications sent meanwhile are lost for this node.
//   Its queues can then no longer promise "nothing lost", so they are dropped and their
//   clients re-register (BAD_EVENT_QUEUE_ID), which is Zulip's recovery path too.
import type { BatchMeta, BusUplink, EventBus, EventEnvelope, ZulipEvent } from "./bus.ts";
import type { Store, PubSub } from "../db/types.ts";
import type { Logger } from "../lib/log.ts";
import { insertSpill, spillsById, deleteSpillsBefore } from "../db/repo/events.ts";
import type { EventSystem } from "./system.ts";

export const CHANNEL = "hearth_events";
const MAX_PAYLOAD = 7000;
const SPILL_TTL_MS = 5 * 60_000;

type Item =
  | { k: "e"; b: EventEnvelope[]; m?: number }
  | { k: "i"; c: string; i: number[] | null }
  | { k: "r"; e: ZulipEvent };
type Wire = { n: string; x: Item[] } | { n: string; s: number };

export class ClusterLink implements BusUplink {
  readonly nodeId = crypto.randomUUID().slice(0, 8);
  private pending: Item[] = [];
  private pumping: Promise<void> | null = null;
  private receiving: Promise<void> = Promise.resolve();
  private unlisten: (() => Promise<void>) | null = null;
  private listens = 0;
  private spillTimer: ReturnType<typeof setInterval> | null = null;
  stats = { sent: 0, received: 0, spilled: 0 };

  constructor(
    private store: Store & { pubsub: PubSub },
    private bus: EventBus,
    private events: EventSystem,
    private log: Logger,
  ) {}

  async start() {
    this.unlisten = await this.store.pubsub.listen(CHANNEL, (p) => this.onNotify(p), () => {
      if (this.listens++ > 0) {
        this.log.warn("event link reconnected: notifications may have been missed; dropping local queues so clients re-register");
        this.events.dropAll();
      }
    });
    this.bus.uplink = this;
    this.spillTimer = setInterval(() => {
      this.store.withTx((tx) => deleteSpillsBefore(tx, new Date(Date.now() - SPILL_TTL_MS))).catch((e) => this.log.warn("event spill cleanup failed", { err: e }));
    }, 60_000);
    this.spillTimer.unref?.();
  }

  async stop() {
    if (this.bus.uplink === this) this.bus.uplink = null;
    if (this.spillTimer) clearInterval(this.spillTimer);
    await this.flushed();
    await this.unlisten?.().catch(() => {});
  }

  /** Resolves when everything handed over so far has been sent. */
  async flushed() {
    while (this.pumping) await this.pumping;
  }

  forward(batch: EventEnvelope[], meta: BatchMeta) {
    this.enqueue({ k: "e", b: batch, ...(meta.mark !== undefined ? { m: meta.mark } : {}) });
  }

  invalidate(kind: string, ids: number[] | null) {
    this.enqueue({ k: "i", c: kind, i: ids });
  }

  /** A restart event for every queue on the other nodes. */
  restart(event: ZulipEvent) {
    this.enqueue({ k: "r", e: event });
  }

  private enqueue(item: Item) {
    this.pending.push(item);
    this.pumping ??= this.pump().finally(() => (this.pumping = null));
  }

  private async pump() {
    while (this.pending.length) {
      const items = this.pending.splice(0);
      // Pack items into notifications of at most MAX_PAYLOAD bytes, in order.
      let group: string[] = [];
      let size = 0;
      const send = async () => {
        if (!group.length) return;
        const payload = `{"n":${JSON.stringify(this.nodeId)},"x":[${group.join(",")}]}`;
        group = [];
        size = 0;
        await this.notify(payload);
      };
      for (const item of items) {
        const json = JSON.stringify(item);
        if (json.length + 40 > MAX_PAYLOAD) {
          await send();
          try {
            const id = await this.store.withTx((tx) => insertSpill(tx, item));
            this.stats.spilled++;
            await this.notify(JSON.stringify({ n: this.nodeId, s: id }));
          } catch (e) {
            this.log.error("event spill failed; other nodes miss this batch", { err: e });
          }
          continue;
        }
        if (size + json.length + 1 > MAX_PAYLOAD - 40) await send();
        group.push(json);
        size += json.length + 1;
      }
      await send();
    }
  }

  private async notify(payload: string) {
    try {
      await this.store.pubsub.notify(CHANNEL, payload);
      this.stats.sent++;
    } catch (e) {
      this.log.error("event NOTIFY failed; other nodes miss these events", { err: e });
    }
  }

  private onNotify(payload: string) {
    let wire: Wire;
    try {
      wire = JSON.parse(payload);
    } catch {
      return;
    }
    if (wire.n === this.nodeId) return;
    this.stats.received++;
    // Receive in order even when a spilled batch has to be fetched first.
    this.receiving = this.receiving.then(async () => {
      try {
        let items: Item[];
        if ("s" in wire) {
          const got = (await spillsById(this.store, [wire.s])).get(wire.s) as Item | undefined;
          if (!got) {
            this.log.warn("spilled event batch not found", { spill_id: wire.s });
            return;
          }
          items = [got];
        } else items = wire.x;
        for (const it of items) this.apply(it);
      } catch (e) {
        this.log.error("event notification failed", { err: e });
      }
    });
  }

  private apply(it: Item) {
    if (it.k === "e") this.bus.receive(it.b, it.m === undefined ? {} : { mark: it.m });
    else if (it.k === "i") this.bus.invalidated(it.c, it.i);
    else if (it.k === "r") this.events.broadcast(it.e);
  }
}
