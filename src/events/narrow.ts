// The `narrow` of POST /register: it filters only `message` events (ZULIP-API.md §4.3),
// the way Zulip's build_narrow_filter does for its event queues.
import type { NarrowTerm } from "./state/types.ts";
import type { ZulipEvent } from "./bus.ts";
import { ApiError, errors } from "../domain/errors.ts";

type Msg = Record<string, any>;
type Pred = (msg: Msg, flags: string[]) => boolean;

const lower = (v: unknown) => String(v).toLowerCase();

function term(t: NarrowTerm): Pred {
  const op = t.operator;
  const operand = t.operand;
  switch (op) {
    case "stream":
    case "channel":
      return (m) =>
        m.type === "stream" && (typeof operand === "number" ? m.stream_id === operand : lower(m.display_recipient) === lower(operand));
    case "topic":
    case "subject":
      return (m) => m.type === "stream" && lower(m.subject ?? m.topic ?? "") === lower(operand);
    case "sender":
      return (m) => (typeof operand === "number" ? m.sender_id === operand : lower(m.sender_email) === lower(operand));
    case "is":
      switch (operand) {
        case "private":
        case "dm":
          return (m) => m.type === "private";
        case "stream":
        case "channel":
          return (m) => m.type === "stream";
        case "mentioned":
          return (_m, f) => f.includes("mentioned") || f.includes("stream_wildcard_mentioned") || f.includes("topic_wildcard_mentioned") || f.includes("wildcard_mentioned");
        case "starred":
          return (_m, f) => f.includes("starred");
        case "alerted":
          return (_m, f) => f.includes("has_alert_word");
        case "unread":
          return (_m, f) => !f.includes("read");
        default:
          throw new BadNarrow(`Invalid narrow operator: unknown 'is' operand ${String(operand)}`);
      }
    case "dm":
    case "pm-with": {
      const want = Array.isArray(operand) ? operand : String(operand).split(",").map((s) => s.trim());
      return (m) => {
        if (m.type !== "private" || !Array.isArray(m.display_recipient)) return false;
        const ids = new Set(m.display_recipient.map((r: Msg) => r.id));
        const emails = new Set(m.display_recipient.map((r: Msg) => lower(r.email)));
        return want.every((w) => (typeof w === "number" ? ids.has(w) : emails.has(lower(w))));
      };
    }
    default:
      throw new BadNarrow(`Invalid narrow operator: ${op}`);
  }
}

class BadNarrow extends Error {}

/** A predicate on message events, or null when the narrow is empty (accept everything). */
export function compileNarrow(narrow: NarrowTerm[]): ((event: ZulipEvent) => boolean) | null {
  if (narrow.length === 0) return null;
  let preds: { p: Pred; neg: boolean }[];
  try {
    preds = narrow.map((t) => ({ p: term(t), neg: !!t.negated }));
  } catch (e) {
    if (e instanceof BadNarrow) throw new ApiError("BAD_NARROW", e.message);
    throw e;
  }
  return (event) => {
    const msg = event.message as Msg | undefined;
    if (!msg) return false;
    const flags = (event.flags as string[] | undefined) ?? [];
    return preds.every(({ p, neg }) => p(msg, flags) !== neg);
  };
}

/** Normalizes the legacy [[op, operand], …] form and the modern [{operator, operand}] form. */
export function parseNarrow(v: unknown): NarrowTerm[] {
  if (!Array.isArray(v)) throw errors.invalid("narrow", "narrow is not a list");
  return v.map((t) => {
    if (Array.isArray(t) && t.length === 2 && typeof t[0] === "string") return { operator: t[0], operand: t[1] };
    if (t && typeof t === "object" && typeof (t as NarrowTerm).operator === "string") {
      const n = t as NarrowTerm;
      return { operator: n.operator, operand: n.operand, negated: !!n.negated };
    }
    throw errors.invalid("narrow", "Invalid narrow element");
  });
}
