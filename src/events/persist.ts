// Event queues across a restart (Zulip persists Tornado's queues the same way): on
// graceful stop the node writes its live queues — id, user, realm, options, pending
// serialized events — to <data_dir>/event-queues.json (mode 0600); the next start on the
// same data directory reads the file, deletes it (so no other process restores the same
// queues), and recreates the queues that are not past their idle limit. A client that
// polls across the restart keeps its queue_id; when the version changed, app.ts pushes a
// `restart` event into each restored queue.
//
// Limits: events committed while the node was down (by another node on the same
// PostgreSQL database) are not in the restored queues; the file is bounded (queues
// beyond MAX_DUMP_BYTES of pending events, least recently active first, are left out and
// their clients re-register).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";
import type { EventQueue, EventSystem, QueueDump } from "./system.ts";

export const QUEUES_FILE = "event-queues.json";
const MAX_DUMP_BYTES = 64 * 1024 * 1024;
const FORMAT = 1;

export function queuesPath(dataDir: string) {
  return join(dataDir, QUEUES_FILE);
}

/** Writes the live queues (call after events.stop()); atomic (tmp + rename), mode 0600. */
export function saveQueues(events: EventSystem, dataDir: string, log: Logger, maxBytes = MAX_DUMP_BYTES): number {
  const dump = events.dump(maxBytes);
  if (dump.queues.length === 0) return 0;
  try {
    mkdirSync(dataDir, { recursive: true });
    const path = queuesPath(dataDir);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ format: FORMAT, ...dump }), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
    log.info("event queues saved for restart", { queues: dump.queues.length, of: events.stats().queues });
    return dump.queues.length;
  } catch (err) {
    log.warn("could not save event queues; clients will re-register", { err });
    return 0;
  }
}

/** Restores the queues a previous process saved in this data directory (and removes the file). */
export function restoreQueues(events: EventSystem, dataDir: string, log: Logger): EventQueue[] {
  const path = queuesPath(dataDir);
  if (!existsSync(path)) return [];
  let dump: (QueueDump & { format?: number }) | null = null;
  try {
    dump = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    log.warn("unreadable saved event queues ignored", { err, path });
  }
  try {
    unlinkSync(path);
  } catch {}
  if (!dump || dump.format !== FORMAT || !Array.isArray(dump.queues)) return [];
  const restored = events.restore(dump);
  log.info("event queues restored", { restored: restored.length, saved: dump.queues.length });
  return restored;
}
