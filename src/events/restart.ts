// The server version across restarts: server_settings keeps the version the database was
// last served with. When a node starts with a different one, every queue on the other
// nodes gets a `restart` event (Zulip sends it to all queues after an upgrade), so their
// clients refresh their idea of the server's feature level. Queues of the restarted
// node itself are gone (they live in memory), so its clients get BAD_EVENT_QUEUE_ID and
// re-register, which returns the new version.
import type { ActionDeps } from "../actions/deps.ts";
import { getServerSetting, setServerSetting } from "../db/repo/events.ts";
import { ZULIP_FEATURE_LEVEL, ZULIP_MERGE_BASE, ZULIP_VERSION, HEARTH_VERSION, SERVER_GENERATION } from "../lib/version.ts";
import type { ZulipEvent } from "./bus.ts";

export const VERSION_KEY = "events.server_version";

export interface ServerVersion {
  hearth_version: string;
  zulip_version: string;
  zulip_feature_level: number;
  server_generation: number;
}

export function currentVersion(): ServerVersion {
  return { hearth_version: HEARTH_VERSION, zulip_version: ZULIP_VERSION, zulip_feature_level: ZULIP_FEATURE_LEVEL, server_generation: SERVER_GENERATION };
}

export function restartEvent(v: ServerVersion = currentVersion()): ZulipEvent {
  return {
    type: "restart",
    zulip_version: v.zulip_version,
    zulip_merge_base: ZULIP_MERGE_BASE,
    zulip_feature_level: v.zulip_feature_level,
    server_generation: v.server_generation,
  };
}

/** Records this build's version; returns the previous one when it differed (a restart event is due). */
export async function recordServerVersion(deps: Pick<ActionDeps, "store" | "now">, current = currentVersion()): Promise<ServerVersion | null> {
  return deps.store.withTx(async (tx) => {
    const prev = await getServerSetting<ServerVersion>(tx, VERSION_KEY);
    const changed = !prev || prev.hearth_version !== current.hearth_version || prev.zulip_version !== current.zulip_version || prev.zulip_feature_level !== current.zulip_feature_level;
    if (changed || prev.server_generation !== current.server_generation) await setServerSetting(tx, VERSION_KEY, current, deps.now());
    return changed && prev ? prev : null;
  });
}
