// /register keys for presence: `presences` (modern or legacy per slim_presence),
// `server_timestamp`, `presence_last_update_id`; plus the server_presence_* constants,
// which Zulip sends with the `realm` keys.
import type { StateProvider } from "./types.ts";
import { PRESENCE, presenceNow, realmPresence } from "../../actions/presence.ts";

export const presenceState: StateProvider = {
  name: "presence",
  fetchTypes: ["presence", "realm"],
  async fetch(ctx, want) {
    const out: Record<string, unknown> = {};
    if (want("presence")) {
      Object.assign(
        out,
        await realmPresence(ctx.deps, ctx.realm, {
          slim: ctx.options.slimPresence,
          historyLimitDays: ctx.options.presenceHistoryLimitDays ?? null,
        }),
      );
    }
    if (want("realm")) {
      out.server_presence_ping_interval_seconds = PRESENCE.pingIntervalSeconds;
      out.server_presence_offline_threshold_seconds = PRESENCE.offlineThresholdSeconds;
    }
    return out;
  },
  apply(state, event, ctx) {
    if (event.type !== "presence") return false;
    if (!state.presences) return true;
    const presences = state.presences as Record<string, unknown>;
    const userId = event.user_id as number;
    const slim = ctx.options.slimPresence;
    if (slim) {
      Object.assign(presences, event.presences as Record<string, unknown>);
    } else {
      // Zulip's apply_event re-reads the user's presence; the event's `presence` is the
      // per-client part, and "aggregated" is derived from it.
      const website = (event.presence as Record<string, { client: string; status: string; timestamp: number }>).website!;
      presences[event.email as string] = {
        website,
        aggregated: { client: website.client, status: website.status, timestamp: website.timestamp },
      };
    }
    const now = presenceNow(ctx.deps, ctx.realm.id, userId, slim);
    state.presence_last_update_id = now.seq;
    state.server_timestamp = ctx.deps.now().getTime() / 1000;
    return true;
  },
};
