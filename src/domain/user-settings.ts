// Per-user settings (Zulip's user_settings), kept in users.settings JSON with these
// defaults. Later areas read them (notifications, display); PATCH /settings writes them.
import { errors } from "./errors.ts";

export const USER_SETTING_DEFAULTS = {
  twenty_four_hour_time: false,
  default_language: "en",
  emojiset: "google",
  enter_sends: false,
  send_private_typing_notifications: true,
  send_stream_typing_notifications: true,
  send_read_receipts: true,
  presence_enabled: true,
  enable_desktop_notifications: true,
  enable_sounds: true,
  enable_offline_email_notifications: true,
  enable_offline_push_notifications: true,
  enable_online_push_notifications: true,
  enable_stream_desktop_notifications: false,
  enable_stream_email_notifications: false,
  enable_stream_push_notifications: false,
  enable_stream_audible_notifications: false,
  wildcard_mentions_notify: true,
  color_scheme: 1,
  fluid_layout_width: false,
  high_contrast_mode: false,
  left_side_userlist: false,
  starred_message_counts: true,
  display_emoji_reaction_users: true,
  email_address_visibility: 1,
} as const satisfies Record<string, boolean | string | number>;

export type UserSettingKey = keyof typeof USER_SETTING_DEFAULTS;
export type UserSettings = { -readonly [K in UserSettingKey]: (typeof USER_SETTING_DEFAULTS)[K] extends boolean ? boolean : (typeof USER_SETTING_DEFAULTS)[K] extends number ? number : string };

export function userSettings(stored: Record<string, unknown> | null | undefined): UserSettings {
  return { ...USER_SETTING_DEFAULTS, ...(stored ?? {}) } as UserSettings;
}

const ENUMS: Partial<Record<UserSettingKey, readonly (string | number)[]>> = {
  emojiset: ["google", "twitter", "text", "google-blob"],
  color_scheme: [1, 2, 3, 4],
  email_address_visibility: [1, 2, 3, 4, 5],
};

/** Checks one PATCH /settings value against the type of its default. */
export function checkUserSetting(key: UserSettingKey, v: unknown): boolean | string | number {
  const d = USER_SETTING_DEFAULTS[key];
  if (typeof d === "boolean" && typeof v !== "boolean") throw errors.invalid(key, `${key} is not a boolean`);
  if (typeof d === "number" && !Number.isSafeInteger(v)) throw errors.invalid(key, `${key} is not an integer`);
  if (typeof d === "string" && (typeof v !== "string" || v.length > 50)) throw errors.invalid(key, `Invalid ${key}`);
  const allowed = ENUMS[key];
  if (allowed && !allowed.includes(v as never)) throw errors.invalid(key, `Invalid ${key}`);
  return v as boolean | string | number;
}

export const isUserSettingKey = (k: string): k is UserSettingKey => k in USER_SETTING_DEFAULTS;
