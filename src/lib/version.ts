// The one place that says which Zulip API this server speaks.
//
// Feature level: we advertise Zulip 10.0 (FL 371) because zulip-flutter refuses servers
// below FL 277 and warns below 371, and what FL 371 commits a server to (ZULIP-API.md §7:
// channel/dm/with narrows, type "channel"/"direct", stream_id+topic typing, wildcard
// mention flags, empty topics, realm_url, user-id keys in subscribe results, message_ids
// in GET /messages, include_anchor, ignored_parameters_unsupported, read_by_sender) is the
// behaviour Hearth implements. Raise it only together with the behaviour it promises.
export const ZULIP_FEATURE_LEVEL = 371;
export const ZULIP_VERSION = "10.0";
export const ZULIP_MERGE_BASE = "10.0";
export const HEARTH_VERSION = "0.1.0";
/** changes when the server restarts with a different build; clients reload on `restart` */
export const SERVER_GENERATION = Math.floor(Date.now() / 1000);
