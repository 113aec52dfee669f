// The /register keys that must always be present, with the value they have while the
// feature behind them does not exist yet (ZULIP-API.md §4.2: zulip-flutter refuses a
// snapshot that lacks any of them). Each entry is one line: when an area lands its
// provider (state/<area>.ts), that provider's keys win over these (fetch.ts fills only
// the keys no provider returned), and the line here can be deleted without touching
// anything else.
//
// The always-present keys (queue_id, last_event_id, zulip_feature_level, zulip_version,
// zulip_merge_base) are added by events/register.ts.
import type { StateContext, StateProvider } from "./types.ts";
import type { ZulipEvent } from "../bus.ts";
import { realmUrl } from "../../http/urls.ts";
import { ZULIP_FEATURE_LEVEL, ZULIP_MERGE_BASE, ZULIP_VERSION, SERVER_GENERATION } from "../../lib/version.ts";
import { usersInRealm } from "../../db/repo/users.ts";
import { userObject } from "../../actions/user-objects.ts";

export interface BaseKey {
  /** the fetch_event_types that request the key (all of them must be wanted) */
  types: string[];
  key: string;
  value(ctx: StateContext): unknown;
}

const k = (types: string | string[], key: string, value: (ctx: StateContext) => unknown): BaseKey => ({
  types: Array.isArray(types) ? types : [types],
  key,
  value,
});
const empty = <T>(v: T) => () => structuredClone(v);

/** Zulip's defaults for the user_settings object, overlaid with what the user row stores. */
const USER_SETTINGS_DEFAULTS: Record<string, unknown> = {
  twenty_four_hour_time: false,
  web_mark_read_on_scroll_policy: 1,
  web_channel_default_view: 1,
  starred_message_counts: true,
  receives_typing_notifications: true,
  fluid_layout_width: false,
  high_contrast_mode: false,
  color_scheme: 1,
  translate_emoticons: false,
  display_emoji_reaction_users: true,
  default_language: "en",
  web_home_view: "inbox",
  left_side_userlist: false,
  emojiset: "google",
  demote_inactive_streams: 1,
  user_list_style: 2,
  enter_sends: false,
  enable_drafts_synchronization: true,
  enable_stream_desktop_notifications: false,
  enable_stream_email_notifications: false,
  enable_stream_push_notifications: false,
  enable_stream_audible_notifications: false,
  notification_sound: "zulip",
  enable_desktop_notifications: true,
  enable_sounds: true,
  enable_offline_email_notifications: true,
  enable_offline_push_notifications: true,
  enable_online_push_notifications: true,
  enable_digest_emails: true,
  enable_login_emails: true,
  message_content_in_email_notifications: true,
  pm_content_in_desktop_notifications: true,
  wildcard_mentions_notify: true,
  presence_enabled: true,
  send_private_typing_notifications: true,
  send_stream_typing_notifications: true,
  send_read_receipts: true,
  allow_private_data_export: false,
  email_address_visibility: 1,
  automatically_follow_topics_policy: 3,
  automatically_unmute_topics_in_muted_streams_policy: 2,
  automatically_follow_topics_where_mentioned: true,
};

export const baseKeys: BaseKey[] = [
  // alert_words ("Alert words" not built yet)
  k("alert_words", "alert_words", empty([])),
  // custom profile fields
  k("custom_profile_fields", "custom_profile_fields", empty([])),
  // muted users
  k("muted_users", "muted_users", empty([])),
  // presence
  k("presence", "presences", empty({})),
  k("presence", "server_timestamp", (ctx) => ctx.deps.now().getTime() / 1000),
  k("presence", "presence_last_update_id", () => -1),
  // custom emoji
  k("realm_emoji", "realm_emoji", empty({})),
  // user groups
  k("realm_user_groups", "realm_user_groups", empty([])),
  // direct messages
  k("recent_private_conversations", "recent_private_conversations", empty([])),
  // channels and subscriptions
  k("subscription", "subscriptions", empty([])),
  k("subscription", "unsubscribed", empty([])),
  k("subscription", "never_subscribed", empty([])),
  k("stream", "streams", empty([])),
  // messages
  k("message", "max_message_id", () => -1),
  k(["message", "update_message_flags"], "unread_msgs", empty({ count: 0, pms: [], streams: [], huddles: [], mentions: [], old_unreads_missing: false })),
  k("starred_messages", "starred_messages", empty([])),
  // user status, topics
  k("user_status", "user_status", empty({})),
  k("user_topic", "user_topics", empty([])),
  // user settings (issue "Organizations, people, bots" replaces these)
  k("user_settings", "user_settings", (ctx) => ({ ...USER_SETTINGS_DEFAULTS, timezone: ctx.user.timezone, ...ctx.user.settings })),
  // realm settings (ditto)
  k("realm", "realm_name", (ctx) => ctx.realm.name),
  k("realm", "realm_url", (ctx) => realmUrl(ctx.deps.config, ctx.realm.stringId)),
  k("realm", "realm_uri", (ctx) => realmUrl(ctx.deps.config, ctx.realm.stringId)),
  k("realm", "realm_icon_url", (ctx) => ctx.realm.iconUrl ?? "/static/images/logo/hearth-icon.svg"),
  k("realm", "realm_description", (ctx) => ctx.realm.description),
  k("realm", "realm_wildcard_mention_policy", () => 5),
  k("realm", "realm_waiting_period_threshold", () => 0),
  k("realm", "realm_allow_message_editing", () => true),
  k("realm", "realm_enable_read_receipts", () => false),
  k("realm", "realm_presence_disabled", () => false),
  k("realm", "realm_default_external_accounts", empty({})),
  k("realm", "max_file_upload_size_mib", () => 25),
  k("realm", "max_message_length", () => 10000),
  k("realm", "max_topic_length", () => 60),
  k("realm", "max_stream_name_length", () => 60),
  k("realm", "max_stream_description_length", () => 1024),
  k("realm", "server_emoji_data_url", (ctx) => `${realmUrl(ctx.deps.config, ctx.realm.stringId)}/static/generated/emoji/emoji_api.json`),
  k("realm", "server_presence_ping_interval_seconds", () => 60),
  k("realm", "server_presence_offline_threshold_seconds", () => 140),
  k("realm", "server_typing_started_expiry_period_milliseconds", () => 15000),
  k("realm", "server_typing_stopped_wait_period_milliseconds", () => 5000),
  k("realm", "server_typing_started_wait_period_milliseconds", () => 10000),
  // Clients use this as the GET /events HTTP timeout; the heartbeat comes well before it.
  k("realm", "event_queue_longpoll_timeout_seconds", () => 90),
  k("realm", "server_generation", () => SERVER_GENERATION),
  // people (issue "Organizations, people, bots" replaces these with state/users.ts)
  k("realm_user", "realm_users", async (ctx) => usersFor(ctx, true)),
  k("realm_user", "realm_non_active_users", async (ctx) => usersFor(ctx, false)),
  k("realm_user", "cross_realm_bots", empty([])),
];

async function usersFor(ctx: StateContext, active: boolean) {
  const rows = (await usersInRealm(ctx.deps.store, ctx.realm.id)).filter((u) => u.isActive === active);
  return Promise.all(
    rows.map(async (u) => {
      const { is_active: _a, max_message_id: _m, ...o } = await userObject(ctx.deps, u, { forUser: ctx.user, clientGravatar: ctx.options.clientGravatar });
      return o;
    }),
  );
}

/**
 * The fallback provider: answers the keys above that no other provider returned, and
 * applies the events that are about the server rather than an area (heartbeat, restart)
 * plus realm/update for realm_* keys it holds.
 */
export const baseProvider: StateProvider & { fill(out: Record<string, unknown>, ctx: StateContext, want: (t: string) => boolean): Promise<void> } = {
  name: "base",
  fetchTypes: [...new Set(baseKeys.flatMap((b) => b.types))],
  async fetch(ctx, want) {
    const out: Record<string, unknown> = {};
    await this.fill(out, ctx, want);
    return out;
  },
  async fill(out, ctx, want) {
    for (const b of baseKeys) {
      if (b.key in out || !b.types.every(want)) continue;
      out[b.key] = await b.value(ctx);
    }
  },
  apply(state: Record<string, unknown>, event: ZulipEvent) {
    switch (event.type) {
      case "heartbeat":
        return true;
      case "restart":
        state.zulip_version = event.zulip_version;
        state.zulip_merge_base = event.zulip_merge_base;
        state.zulip_feature_level = event.zulip_feature_level;
        if ("server_generation" in state) state.server_generation = event.server_generation;
        return true;
      case "realm":
        if (event.op === "update" && typeof event.property === "string") {
          const key = `realm_${event.property}`;
          if (key in state) state[key] = event.value;
          return true;
        }
        return false;
      default:
        return false;
    }
  },
};

/** The always-present keys of every /register response. */
export function versionKeys() {
  return { zulip_feature_level: ZULIP_FEATURE_LEVEL, zulip_version: ZULIP_VERSION, zulip_merge_base: ZULIP_MERGE_BASE };
}
