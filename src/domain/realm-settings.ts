// Realm settings: the typed defaults of the long tail kept in realms.settings (JSON), and
// the few that are columns. Keys are Zulip's names without the realm_ prefix, so the
// /register snapshot is `realm_<key>` and a `realm` update event's property is `<key>`.
import { errors } from "./errors.ts";
import { Role } from "./roles.ts";

/** Who may do something, as Zulip's legacy policy enums (1 members, 2 admins, 3 full members, 4 moderators, 6 nobody). */
export const Policy = { MEMBERS: 1, ADMINS: 2, FULL_MEMBERS: 3, MODERATORS: 4, NOBODY: 6 } as const;

export interface RealmSettings {
  allow_message_editing: boolean;
  message_content_edit_limit_seconds: number | null;
  message_content_delete_limit_seconds: number | null;
  waiting_period_threshold: number;
  default_language: string;
  inline_image_preview: boolean;
  inline_url_embed_preview: boolean;
  video_chat_provider: number;
  jitsi_server_url: string | null;
  create_public_stream_policy: number;
  create_private_stream_policy: number;
  invite_to_realm_policy: number;
  bot_creation_policy: number;
  enable_read_receipts: boolean;
  presence_disabled: boolean;
  wildcard_mention_policy: number;
  /** allowed email domains for open registration when emails_restricted_to_domains */
  domains: string[];
}

export const REALM_SETTING_DEFAULTS: RealmSettings = {
  allow_message_editing: true,
  message_content_edit_limit_seconds: 600,
  message_content_delete_limit_seconds: null,
  waiting_period_threshold: 0,
  default_language: "en",
  inline_image_preview: true,
  inline_url_embed_preview: false,
  video_chat_provider: 1,
  jitsi_server_url: null,
  create_public_stream_policy: Policy.MEMBERS,
  create_private_stream_policy: Policy.MEMBERS,
  invite_to_realm_policy: Policy.MEMBERS,
  bot_creation_policy: 1,
  enable_read_receipts: true,
  presence_disabled: false,
  wildcard_mention_policy: 5,
  domains: [],
};

/** Settings that are columns of `realms` (name → column). */
export const REALM_COLUMN_SETTINGS = {
  name: "name",
  description: "description",
  invite_required: "inviteRequired",
  emails_restricted_to_domains: "emailsRestrictedToDomains",
} as const;

export function realmSettings(stored: Record<string, unknown> | null | undefined): RealmSettings {
  return { ...REALM_SETTING_DEFAULTS, ...(stored ?? {}) } as RealmSettings;
}

const nonNegIntOrNull = (v: unknown, k: string) => {
  if (v === null) return null;
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw errors.invalid(k, `Invalid ${k}`);
  return v as number;
};
const bool = (v: unknown, k: string) => {
  if (typeof v !== "boolean") throw errors.invalid(k, `${k} is not a boolean`);
  return v;
};
const oneOf = (allowed: number[]) => (v: unknown, k: string) => {
  if (!allowed.includes(v as number)) throw errors.invalid(k, `Invalid ${k}`);
  return v as number;
};

/** Validators for every writable setting (JSON-decoded values from PATCH /realm). */
export const REALM_SETTING_VALIDATORS: Record<string, (v: unknown, k: string) => unknown> = {
  name: (v, k) => {
    if (typeof v !== "string" || !v.trim() || v.trim().length > 40) throw errors.invalid(k, "Invalid organization name");
    return v.trim();
  },
  description: (v, k) => {
    if (typeof v !== "string" || v.length > 1000) throw errors.invalid(k, "Organization description is too long.");
    return v;
  },
  invite_required: bool,
  emails_restricted_to_domains: bool,
  allow_message_editing: bool,
  message_content_edit_limit_seconds: nonNegIntOrNull,
  message_content_delete_limit_seconds: nonNegIntOrNull,
  waiting_period_threshold: (v, k) => nonNegIntOrNull(v, k) ?? 0,
  default_language: (v, k) => {
    if (typeof v !== "string" || !/^[a-z]{2,3}([-_][A-Za-z]{2,4})?$/.test(v)) throw errors.invalid(k, `Invalid language '${String(v)}'`);
    return v;
  },
  inline_image_preview: bool,
  inline_url_embed_preview: bool,
  video_chat_provider: oneOf([0, 1, 3, 4, 5]),
  jitsi_server_url: (v, k) => {
    if (v === null) return null;
    if (typeof v !== "string" || !/^https?:\/\/[^\s]+$/.test(v)) throw errors.invalid(k, "jitsi_server_url is not an allowed_type");
    return v;
  },
  create_public_stream_policy: oneOf([1, 2, 3, 4]),
  create_private_stream_policy: oneOf([1, 2, 3, 4]),
  invite_to_realm_policy: oneOf([1, 2, 3, 4, 6]),
  bot_creation_policy: oneOf([1, 2, 3]),
  enable_read_receipts: bool,
  presence_disabled: bool,
  wildcard_mention_policy: oneOf([1, 2, 3, 4, 5, 6, 7]),
  domains: (v, k) => {
    if (!Array.isArray(v) || !v.every((d) => typeof d === "string" && /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(d))) throw errors.invalid(k, "Invalid domain list");
    return (v as string[]).map((d) => d.toLowerCase());
  },
};

/** Whether a role passes a legacy policy. `waitingOk`: the user is past the waiting period. */
export function rolePasses(policy: number, role: number, waitingOk: boolean): boolean {
  if (role === Role.GUEST) return false;
  switch (policy) {
    case Policy.MEMBERS: return true;
    case Policy.ADMINS: return role <= Role.ADMINISTRATOR;
    case Policy.MODERATORS: return role <= Role.MODERATOR;
    case Policy.FULL_MEMBERS: return role <= Role.ADMINISTRATOR || waitingOk;
    default: return false;
  }
}

export function isFullMember(settings: RealmSettings, dateJoined: Date, now: Date): boolean {
  return now.getTime() - dateJoined.getTime() >= settings.waiting_period_threshold * 86_400_000;
}

export function emailDomainAllowed(settings: RealmSettings, restricted: boolean, email: string): boolean {
  if (!restricted) return true;
  const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
  return settings.domains.some((d) => domain === d || domain.endsWith("." + d));
}
