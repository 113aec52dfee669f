// The client's pure logic, without a browser: narrow URLs and matching, and the store's
// event application (the part that must agree with the server's /register semantics).
import { describe, expect, test, beforeEach } from "bun:test";
import { hashToNarrow, matches, narrowToApi, narrowToHash, type Narrow } from "../../src/web/client/narrow.ts";
import { applyEvent, addMessage, loadSnapshot, state, unreadCounts, type Message } from "../../src/web/client/store.ts";

const me = 1;
function msg(p: Partial<Message> & { id: number }): Message {
  return {
    sender_id: 2, sender_full_name: "Bob", sender_email: "bob@example.com", content: "<p>x</p>", timestamp: 1_700_000_000,
    type: "stream", stream_id: 10, subject: "Topic", display_recipient: "general", flags: [], reactions: [], ...p,
  };
}

describe("narrows", () => {
  test("hash round trip, including awkward topic names", () => {
    const cases: Narrow[] = [
      { kind: "all" },
      { kind: "stream", streamId: 10 },
      { kind: "topic", streamId: 10, topic: "a/b c.d %20 <x>" },
      { kind: "dm", userIds: [3, 2] },
      { kind: "starred" },
      { kind: "mentioned" },
      { kind: "search", q: "hello / world" },
    ];
    for (const n of cases) {
      const back = hashToNarrow(narrowToHash(n, "gen eral"));
      if (n.kind === "dm") expect(back).toEqual({ kind: "dm", userIds: [2, 3] });
      else expect(back).toEqual(n);
    }
    expect(hashToNarrow("#narrow/stream/7-old/topic/t")).toEqual({ kind: "topic", streamId: 7, topic: "t" });
    expect(hashToNarrow("#narrow/channel/x-bad")).toEqual({ kind: "all" });
    expect(hashToNarrow("#narrow/%E0%A4%A")).toEqual({ kind: "all" });
  });

  test("API operators", () => {
    expect(narrowToApi({ kind: "topic", streamId: 5, topic: "t" })).toEqual([{ operator: "channel", operand: 5 }, { operator: "topic", operand: "t" }]);
    expect(narrowToApi({ kind: "dm", userIds: [4] })).toEqual([{ operator: "dm", operand: [4] }]);
    expect(narrowToApi({ kind: "all" })).toEqual([]);
  });

  test("live matching: topics case-insensitively, DMs by the exact participant set, muted streams out of the combined feed", () => {
    const m = msg({ id: 1, subject: "Hello" });
    const muted = (id: number) => id === 11;
    expect(matches({ kind: "topic", streamId: 10, topic: "hello" }, m, me, muted)).toBe(true);
    expect(matches({ kind: "topic", streamId: 10, topic: "other" }, m, me, muted)).toBe(false);
    expect(matches({ kind: "all" }, msg({ id: 2, stream_id: 11 }), me, muted)).toBe(false);
    const dm = msg({ id: 3, type: "private", stream_id: undefined, display_recipient: [{ id: 1, email: "", full_name: "" }, { id: 2, email: "", full_name: "" }] });
    expect(matches({ kind: "dm", userIds: [2] }, dm, me, muted)).toBe(true);
    expect(matches({ kind: "dm", userIds: [2, 3] }, dm, me, muted)).toBe(false);
    expect(matches({ kind: "search", q: "x" }, m, me, muted)).toBe(false);
  });
});

describe("store events", () => {
  beforeEach(() => {
    loadSnapshot({
      user_id: me, email: "me@example.com", realm_name: "R",
      realm_users: [{ user_id: 1, email: "me@example.com", full_name: "Me" }, { user_id: 2, email: "bob@example.com", full_name: "Bob" }],
      subscriptions: [{ stream_id: 10, name: "general" }, { stream_id: 11, name: "quiet", is_muted: true }],
      unread_msgs: { streams: [{ stream_id: 10, topic: "Topic", unread_message_ids: [5, 6] }, { stream_id: 11, topic: "t", unread_message_ids: [7] }], pms: [{ other_user_id: 2, unread_message_ids: [8] }], huddles: [], mentions: [6] },
      recent_private_conversations: [{ user_ids: [2], max_message_id: 8 }],
    });
    state.feed = { narrow: { kind: "all" }, ids: [], foundOldest: true, foundNewest: true, loading: false, error: null, anchor: null };
  });

  test("unread counts from the snapshot: muted streams do not count in the total", () => {
    const c = unreadCounts();
    expect(c.total).toBe(3);
    expect(c.byStream.get(10)).toBe(2);
    expect(c.byStream.get(11)).toBe(1);
    expect(c.byDm.get("dm:2")).toBe(1);
    expect(c.mentions).toBe(1);
  });

  test("a new message joins the feed and the unread set; reading it removes it", () => {
    applyEvent({ type: "message", message: msg({ id: 20 }), flags: [] });
    expect(state.feed.ids).toEqual([20]);
    expect(state.unread.has(20)).toBe(true);
    applyEvent({ type: "update_message_flags", op: "add", flag: "read", messages: [20, 6], all: false });
    expect(state.unread.has(20)).toBe(false);
    expect(state.unreadMentions.has(6)).toBe(false);
    expect(state.messages.get(20)!.flags).toContain("read");
  });

  test("a message the feed's narrow does not cover stays out of it", () => {
    state.feed.narrow = { kind: "topic", streamId: 10, topic: "other" };
    applyEvent({ type: "message", message: msg({ id: 21 }), flags: [] });
    expect(state.feed.ids).toEqual([]);
    state.feed.narrow = { kind: "all" };
    state.feed.foundNewest = false; // the newest messages are not loaded: a gap would appear
    applyEvent({ type: "message", message: msg({ id: 22 }), flags: [] });
    expect(state.feed.ids).toEqual([]);
  });

  test("edits replace the message object (memoized rows see them); topic moves leave the narrow", () => {
    addMessage(msg({ id: 30 }));
    state.feed = { ...state.feed, narrow: { kind: "topic", streamId: 10, topic: "Topic" }, ids: [30] };
    const before = state.messages.get(30);
    applyEvent({ type: "update_message", message_id: 30, message_ids: [30], rendered_content: "<p>new</p>", edit_timestamp: 5 });
    const after = state.messages.get(30)!;
    expect(after).not.toBe(before);
    expect(after.content).toBe("<p>new</p>");
    expect(after.last_edit_timestamp).toBe(5);
    applyEvent({ type: "update_message", message_id: 30, message_ids: [30], subject: "Moved", edit_timestamp: 6 });
    expect(state.feed.ids).toEqual([]);
    expect(state.topics.get(10)!.has("Moved")).toBe(true);
  });

  test("reactions add once per user and emoji, and remove", () => {
    addMessage(msg({ id: 40 }));
    const r = { type: "reaction", message_id: 40, emoji_name: "+1", emoji_code: "1f44d", reaction_type: "unicode_emoji", user_id: 2 };
    applyEvent({ ...r, op: "add" });
    applyEvent({ ...r, op: "add" });
    expect(state.messages.get(40)!.reactions.length).toBe(1);
    applyEvent({ ...r, op: "remove" });
    expect(state.messages.get(40)!.reactions.length).toBe(0);
  });

  test("deletes leave the cache, the unread set and the feed", () => {
    applyEvent({ type: "message", message: msg({ id: 50 }), flags: [] });
    applyEvent({ type: "delete_message", message_ids: [50], message_type: "stream" });
    expect(state.messages.has(50)).toBe(false);
    expect(state.unread.has(50)).toBe(false);
    expect(state.feed.ids).toEqual([]);
  });

  test("typing: a DM conversation is keyed by everyone but me; stop clears it", () => {
    applyEvent({ type: "typing", op: "start", message_type: "direct", sender: { user_id: 2 }, recipients: [{ user_id: 1 }, { user_id: 2 }] });
    expect([...state.typing.get("dm:2")!]).toEqual([2]);
    applyEvent({ type: "typing", op: "stop", message_type: "direct", sender: { user_id: 2 }, recipients: [{ user_id: 1 }, { user_id: 2 }] });
    expect(state.typing.get("dm:2")!.size).toBe(0);
  });

  test("subscriptions and muting", () => {
    applyEvent({ type: "subscription", op: "add", subscriptions: [{ stream_id: 12, name: "new" }] });
    expect(state.subs.has(12)).toBe(true);
    applyEvent({ type: "subscription", op: "update", stream_id: 12, property: "is_muted", value: true });
    expect(state.subs.get(12)!.is_muted).toBe(true);
    applyEvent({ type: "subscription", op: "remove", subscriptions: [{ stream_id: 12 }] });
    expect(state.subs.has(12)).toBe(false);
  });
});
