// Narrow parsing (ZULIP-API.md §5): the modern [{operator, operand, negated}] form and the
// legacy [[operator, operand]] form; unknown operators are BAD_NARROW. Operands stay raw
// here; the messages action resolves names and emails to ids.
import { ApiError } from "./errors.ts";

export interface NarrowTerm {
  operator: string;
  operand: string | number | number[];
  negated: boolean;
}

export const badNarrow = (msg: string) => new ApiError("BAD_NARROW", msg);

const OPERATORS = new Set([
  "channel", "stream", "channels", "streams", "topic", "subject", "sender", "dm", "pm-with", "dm-including",
  "dm-with", "group-pm-with", "is", "has", "in", "search", "id", "with", "near", "mentions",
]);
export const IS_OPERANDS = new Set(["dm", "private", "starred", "unread", "mentioned", "alerted", "resolved", "followed", "muted"]);
export const HAS_OPERANDS = new Set(["link", "attachment", "image", "reaction"]);

export function parseNarrow(raw: unknown): NarrowTerm[] {
  if (raw === undefined || raw === null || raw === "") return [];
  if (!Array.isArray(raw)) throw new ApiError("REQUEST_VARIABLE_INVALID", "narrow is not a list", { var_name: "narrow" });
  return raw.map((el): NarrowTerm => {
    let operator: unknown, operand: unknown, negated: unknown = false;
    if (Array.isArray(el)) {
      [operator, operand] = el;
    } else if (el && typeof el === "object") {
      ({ operator, operand, negated = false } = el as Record<string, unknown>);
    } else {
      throw badNarrow("Invalid narrow operator: element is not a list or dict");
    }
    if (typeof operator !== "string") throw badNarrow("Invalid narrow operator: operator is not a string");
    if (!OPERATORS.has(operator)) throw badNarrow(`Invalid narrow operator: unknown operator ${operator}`);
    const ok =
      typeof operand === "string" ||
      (typeof operand === "number" && Number.isSafeInteger(operand)) ||
      (Array.isArray(operand) && operand.every((x) => Number.isSafeInteger(x)));
    if (!ok) throw badNarrow(`Invalid narrow operand for ${operator}`);
    if (operator === "search" && String(operand).trim() === "") throw badNarrow("Invalid narrow operand: search requires text");
    if (operator === "is" && !IS_OPERANDS.has(String(operand))) throw badNarrow(`Invalid narrow operator: unknown 'is' operand ${String(operand)}`);
    if (operator === "has" && !HAS_OPERANDS.has(String(operand))) throw badNarrow(`Invalid narrow operator: unknown 'has' operand ${String(operand)}`);
    if (operator === "in" && !["home", "all"].includes(String(operand))) throw badNarrow(`Invalid narrow operator: unknown 'in' operand ${String(operand)}`);
    if ((operator === "channels" || operator === "streams") && !["public", "web-public"].includes(String(operand))) {
      throw badNarrow(`Invalid narrow operator: unknown channels operand ${String(operand)}`);
    }
    return { operator, operand: operand as NarrowTerm["operand"], negated: negated === true };
  });
}

/** The resolved form the query layer turns into SQL (names and emails already ids). */
export type NarrowCond = (
  | { kind: "stream"; streamId: number }
  | { kind: "streamsIn"; streamIds: number[] }
  | { kind: "topic"; topicKey: string }
  | { kind: "sender"; userId: number }
  | { kind: "dmGroup"; groupId: number }
  | { kind: "dmIncluding"; userId: number; groupsOnly: boolean }
  | { kind: "isDm" }
  | { kind: "flagBit"; bit: number }
  | { kind: "unread" }
  | { kind: "mentioned" }
  | { kind: "resolved" }
  | { kind: "followed" }
  | { kind: "muted" }
  | { kind: "has"; what: "link" | "image" | "attachment" | "reaction" }
  | { kind: "search"; query: string }
  | { kind: "id"; id: number }
  | { kind: "mentionsUser"; userId: number }
  | { kind: "nothing" }
) & { negated?: boolean };
