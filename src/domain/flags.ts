// Per-user message flags, Zulip's names, and how Hearth stores them (docs/storage.md):
// `read` is an interval set, `stream_wildcard_mentioned` a message-level fact, the rest
// sparse bits in message_flags.
export const FlagBit = {
  starred: 1,
  collapsed: 2,
  mentioned: 4,
  topic_wildcard_mentioned: 8,
  has_alert_word: 16,
  historical: 32,
} as const;

/** The flags a client may change with POST /messages/flags. */
export const USER_SETTABLE_FLAGS = new Set(["read", "starred", "collapsed"]);
/** Flags Zulip knows but clients may not set. */
export const READ_ONLY_FLAGS = new Set([
  "mentioned", "wildcard_mentioned", "stream_wildcard_mentioned", "topic_wildcard_mentioned",
  "has_alert_word", "historical", "is_private", "active_mobile_push_notification",
]);

export const Wildcard = { NONE: 0, STREAM: 1, TOPIC: 2 } as const;

/** Zulip's flag list for one message and one user. */
export function flagNames(bits: number, read: boolean, streamWildcard: boolean): string[] {
  const out: string[] = [];
  if (read) out.push("read");
  if (bits & FlagBit.starred) out.push("starred");
  if (bits & FlagBit.collapsed) out.push("collapsed");
  if (bits & FlagBit.mentioned) out.push("mentioned");
  if (streamWildcard) out.push("stream_wildcard_mentioned");
  if (bits & FlagBit.topic_wildcard_mentioned) out.push("topic_wildcard_mentioned");
  if (streamWildcard || bits & FlagBit.topic_wildcard_mentioned) out.push("wildcard_mentioned");
  if (bits & FlagBit.has_alert_word) out.push("has_alert_word");
  if (bits & FlagBit.historical) out.push("historical");
  return out;
}
