// /register: the `realm` fetch type (realm_* settings and server limits) and `realm`
// update events applied to it.
import type { StateProvider } from "./types.ts";
import { REALM_COLUMN_SETTINGS, REALM_SETTING_DEFAULTS, realmSettings } from "../../domain/realm-settings.ts";
import { realmSettingValue } from "../../actions/realms.ts";
import { realmUrl } from "../../http/urls.ts";
import { selfFlags } from "./users.ts";

/** Settings exposed as realm_<key> (domains has its own realm_domains shape, not served yet). */
const SNAPSHOT_KEYS = [...Object.keys(REALM_COLUMN_SETTINGS), ...Object.keys(REALM_SETTING_DEFAULTS).filter((k) => k !== "domains" && k !== "invite_to_realm_policy" && k !== "bot_creation_policy")];

export const realmStateProvider: StateProvider = {
  name: "realm",
  fetchTypes: ["realm"],
  async fetch(ctx) {
    const { realm, deps } = ctx;
    const out: Record<string, unknown> = {};
    for (const k of SNAPSHOT_KEYS) out[`realm_${k}`] = realmSettingValue(realm, k);
    void realmSettings;
    const url = realmUrl(deps.config, realm.stringId);
    Object.assign(out, {
      realm_url: url,
      realm_uri: url,
      realm_icon_url: realm.iconUrl ?? "/static/images/logo/hearth-icon.svg",
      realm_icon_source: realm.iconUrl ? "U" : "G",
      realm_date_created: Math.floor(realm.dateCreated.getTime() / 1000),
      realm_email_auth_enabled: true,
      realm_password_auth_enabled: true,
      realm_authentication_methods: {
        Email: { enabled: true, available: true },
      },
      development_environment: deps.config.developmentMode,
      max_message_length: 10000,
      max_topic_length: 60,
      max_stream_name_length: 60,
      max_stream_description_length: 1024,
      event_queue_longpoll_timeout_seconds: 90,
      server_presence_ping_interval_seconds: 60,
      server_presence_offline_threshold_seconds: 140,
      server_typing_started_expiry_period_milliseconds: 15000,
      server_typing_stopped_wait_period_milliseconds: 5000,
      server_typing_started_wait_period_milliseconds: 10000,
      realm_default_external_accounts: {},
    });
    return out;
  },
  apply(state, event, ctx) {
    if (event.type !== "realm") return false;
    if (event.op === "update") {
      const key = `realm_${String(event.property)}`;
      if (key in state) state[key] = event.value;
      // Clients recompute their own permissions from the policies, as Zulip's apply_events does.
      if ("can_create_streams" in state && /_policy$|^waiting_period_threshold$/.test(String(event.property))) {
        const realm = { ...ctx.realm, settings: { ...(ctx.realm.settings ?? {}), [String(event.property)]: event.value } };
        Object.assign(state, selfFlags({ ...ctx, realm }, ctx.user));
      }
      return true;
    }
    if (event.op === "update_dict") {
      for (const [k, v] of Object.entries((event.data ?? {}) as Record<string, unknown>)) {
        if (`realm_${k}` in state) state[`realm_${k}`] = v;
      }
      return true;
    }
    return event.op === "deactivated";
  },
};
