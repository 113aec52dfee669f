// Narrows: what the feed shows. Encoded in the URL hash the way Zulip's web app does
// (#narrow/channel/ID-name/topic/T, #narrow/dm/IDS, #narrow/is/starred, …), sent to the
// server as Zulip narrow operators, and matched locally to place live messages.
import type { Message } from "./store.ts";

export type Narrow =
  | { kind: "all" }
  | { kind: "stream"; streamId: number }
  | { kind: "topic"; streamId: number; topic: string }
  | { kind: "dm"; userIds: number[] }
  | { kind: "starred" }
  | { kind: "mentioned" }
  | { kind: "search"; q: string };

const enc = (s: string) => encodeURIComponent(s).replace(/\./g, "%2E");

export function narrowToHash(n: Narrow, streamName = ""): string {
  switch (n.kind) {
    case "all": return "#feed";
    case "stream": return `#narrow/channel/${n.streamId}-${enc(streamName)}`;
    case "topic": return `#narrow/channel/${n.streamId}-${enc(streamName)}/topic/${enc(n.topic)}`;
    case "dm": return `#narrow/dm/${[...n.userIds].sort((a, b) => a - b).join(",")}`;
    case "starred": return "#narrow/is/starred";
    case "mentioned": return "#narrow/is/mentioned";
    case "search": return `#narrow/search/${enc(n.q)}`;
  }
}

export function hashToNarrow(hash: string): Narrow {
  const parts = hash.replace(/^#/, "").split("/").map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] !== "narrow") return { kind: "all" };
  const [, op, arg, op2, arg2] = parts;
  if ((op === "channel" || op === "stream") && arg) {
    const streamId = parseInt(arg, 10);
    if (!Number.isFinite(streamId)) return { kind: "all" };
    if (op2 === "topic" && arg2 !== undefined) return { kind: "topic", streamId, topic: arg2 };
    return { kind: "stream", streamId };
  }
  if ((op === "dm" || op === "pm-with") && arg) {
    const ids = arg.split(",").map((x) => parseInt(x, 10)).filter(Number.isFinite);
    if (ids.length) return { kind: "dm", userIds: ids };
  }
  if (op === "is" && arg === "starred") return { kind: "starred" };
  if (op === "is" && arg === "mentioned") return { kind: "mentioned" };
  if (op === "search" && arg !== undefined) return { kind: "search", q: arg };
  return { kind: "all" };
}

/** Zulip narrow operators for GET /messages. */
export function narrowToApi(n: Narrow): { operator: string; operand: unknown }[] {
  switch (n.kind) {
    case "all": return [];
    case "stream": return [{ operator: "channel", operand: n.streamId }];
    case "topic": return [{ operator: "channel", operand: n.streamId }, { operator: "topic", operand: n.topic }];
    case "dm": return [{ operator: "dm", operand: n.userIds }];
    case "starred": return [{ operator: "is", operand: "starred" }];
    case "mentioned": return [{ operator: "is", operand: "mentioned" }];
    case "search": return [{ operator: "search", operand: n.q }];
  }
}

export function sameNarrow(a: Narrow, b: Narrow): boolean {
  return narrowToHash(a) === narrowToHash(b);
}

/** Other participants of a DM message, sorted (empty for a DM to oneself). */
export function dmPartners(m: Message, me: number): number[] {
  if (m.type !== "private" || !Array.isArray(m.display_recipient)) return [];
  return m.display_recipient.map((r) => r.id).filter((id) => id !== me).sort((a, b) => a - b);
}

/** Whether a message that arrives live belongs in the feed for this narrow. */
export function matches(n: Narrow, m: Message, me: number, mutedStream: (id: number) => boolean): boolean {
  switch (n.kind) {
    case "all": return m.type === "private" || !mutedStream(m.stream_id!);
    case "stream": return m.type === "stream" && m.stream_id === n.streamId;
    case "topic": return m.type === "stream" && m.stream_id === n.streamId && m.subject.toLowerCase() === n.topic.toLowerCase();
    case "dm": {
      if (m.type !== "private") return false;
      const want = n.userIds.filter((id) => id !== me).sort((a, b) => a - b);
      const got = dmPartners(m, me);
      return want.length === got.length && want.every((id, i) => id === got[i]);
    }
    case "starred": return m.flags.includes("starred");
    case "mentioned": return m.flags.some((f) => f === "mentioned" || f === "stream_wildcard_mentioned" || f === "topic_wildcard_mentioned" || f === "wildcard_mentioned");
    case "search": return false;
  }
}
