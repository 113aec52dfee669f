// The realm settings the messaging rules read. Settings the realm area defines come from
// its realmSettings() (same defaults, one source); the few it does not define yet (move
// limits, edit history, empty-topic name…) have Zulip's defaults here, read from the same
// realms.settings JSON under Zulip's names.
import { realmSettings } from "./realm-settings.ts";
export interface MessagingSettings {
  /** 1 everyone, 2 members, 3 full members, 5 admins, 6 nobody, 7 moderators */
  wildcard_mention_policy: number;
  allow_message_editing: boolean;
  /** null = no limit */
  message_content_edit_limit_seconds: number | null;
  /** null = no limit */
  message_content_delete_limit_seconds: number | null;
  move_messages_within_stream_limit_seconds: number | null;
  move_messages_between_streams_limit_seconds: number | null;
  allow_edit_history: boolean;
  /** may non-admins delete their own messages */
  allow_delete_own_message: boolean;
  /** may members (not only moderators) move topics within a stream */
  members_can_move_topics: boolean;
  enable_read_receipts: boolean;
  empty_topic_display_name: string;
  mandatory_topics: boolean;
}

export const MESSAGING_DEFAULTS: MessagingSettings = {
  wildcard_mention_policy: 5,
  allow_message_editing: true,
  message_content_edit_limit_seconds: 600,
  message_content_delete_limit_seconds: null,
  move_messages_within_stream_limit_seconds: 604800,
  move_messages_between_streams_limit_seconds: 604800,
  allow_edit_history: true,
  allow_delete_own_message: true,
  members_can_move_topics: true,
  enable_read_receipts: true,
  empty_topic_display_name: "general chat",
  mandatory_topics: false,
};

export function messagingSettings(realm: { settings: Record<string, unknown> | null }): MessagingSettings {
  const s = realm.settings ?? {};
  const shared = realmSettings(s) as unknown as Record<string, unknown>;
  const out = { ...MESSAGING_DEFAULTS } as Record<string, unknown>;
  for (const k of Object.keys(MESSAGING_DEFAULTS)) {
    if (k in s) out[k] = s[k];
    else if (k in shared) out[k] = shared[k];
  }
  return out as unknown as MessagingSettings;
}

/** Zulip: wildcard mentions are always allowed in streams with at most this many subscribers. */
export const WILDCARD_MENTION_THRESHOLD = 15;
export const MAX_MESSAGE_LENGTH = 10000;
export const MAX_TOPIC_LENGTH = 60;
export const MAX_STREAM_NAME_LENGTH = 60;
export const MAX_STREAM_DESCRIPTION_LENGTH = 1024;
export const RESOLVED_TOPIC_PREFIX = "✔ ";
