// Resolving a parsed narrow for one user: names and emails to ids, and which streams'
// whole history the query may read (Zulip's ok_to_include_history). The SQL comes from
// db/repo/messages.ts (narrowSql).
import type { Q } from "../db/types.ts";
import type { UserRow } from "../db/repo/users.ts";
import { userByEmail, userById } from "../db/repo/users.ts";
import { dmGroupByKey, dmKey, messageById, type Access } from "../db/repo/messages.ts";
import { streamById, streamByName, streamsInRealm, subscriptionOf, type StreamRow } from "../db/repo/streams.ts";
import { badNarrow, type NarrowCond, type NarrowTerm } from "../domain/narrow.ts";
import { FlagBit } from "../domain/flags.ts";
import { isGuestRole } from "../domain/roles.ts";
import { canReadWholeHistory } from "./stream-access.ts";
import { canReadMessage } from "./message-access.ts";

export interface ResolvedNarrow {
  conds: NarrowCond[];
  access: Access;
  /** the text of a search: operand, for highlighting */
  search?: string;
}

async function streamOperand(q: Q, user: UserRow, operand: unknown): Promise<StreamRow> {
  const s =
    typeof operand === "number" || /^\d+$/.test(String(operand))
      ? await streamById(q, user.realmId, Number(operand))
      : await streamByName(q, user.realmId, String(operand));
  if (!s) throw badNarrow(`Invalid narrow operator: unknown channel`);
  return s;
}

async function userOperand(q: Q, user: UserRow, operand: unknown): Promise<number> {
  const u =
    typeof operand === "number" || /^\d+$/.test(String(operand))
      ? await userById(q, Number(operand))
      : await userByEmail(q, user.realmId, String(operand).trim());
  if (!u || u.realmId !== user.realmId) throw badNarrow("Invalid narrow operator: unknown user");
  return u.id;
}

async function userListOperand(q: Q, user: UserRow, operand: unknown): Promise<number[]> {
  const items: (string | number)[] = Array.isArray(operand)
    ? operand
    : typeof operand === "number"
      ? [operand]
      : String(operand).split(",").map((s) => s.trim()).filter(Boolean);
  const out: number[] = [];
  for (const it of items) out.push(await userOperand(q, user, it));
  return out;
}

export async function resolveNarrow(q: Q, user: UserRow, terms: NarrowTerm[], emptyTopicName = "general chat"): Promise<ResolvedNarrow> {
  const conds: NarrowCond[] = [];
  const whole = new Set<number>();
  let publicWhole = false;
  let userSpecific = false;
  let search: string | undefined;

  // with:<id> replaces the conversation terms by the message's current conversation.
  const withTerm = terms.find((t) => t.operator === "with");
  if (withTerm) {
    const m = await messageById(q, Number(withTerm.operand));
    if (m && m.realmId === user.realmId && (await canReadMessage(q, user, m))) {
      const conv = new Set(["channel", "stream", "topic", "subject", "dm", "pm-with", "dm-including", "dm-with", "group-pm-with", "with"]);
      terms = terms.filter((t) => !conv.has(t.operator) && !(t.operator === "is" && (t.operand === "dm" || t.operand === "private")));
      if (m.streamId !== null) {
        terms.push({ operator: "channel", operand: m.streamId, negated: false }, { operator: "topic", operand: m.topic, negated: false });
      } else {
        conds.push({ kind: "dmGroup", groupId: m.dmGroupId! });
      }
    } else {
      terms = terms.filter((t) => t !== withTerm);
    }
  }

  for (const t of terms) {
    const neg = t.negated;
    const push = (c: NarrowCond) => conds.push({ ...c, negated: neg } as NarrowCond);
    switch (t.operator) {
      case "channel":
      case "stream": {
        const s = await streamOperand(q, user, t.operand);
        push({ kind: "stream", streamId: s.id });
        if (!neg && canReadWholeHistory(user, s, await subscriptionOf(q, user.id, s.id))) whole.add(s.id);
        break;
      }
      case "channels":
      case "streams": {
        const all = await streamsInRealm(q, user.realmId);
        const pub = all.filter((s) => !s.inviteOnly && (t.operand === "public" || s.isWebPublic)).map((s) => s.id);
        push({ kind: "streamsIn", streamIds: pub });
        if (!neg && !isGuestRole(user.role)) publicWhole = true;
        break;
      }
      case "topic":
      case "subject": {
        const name = String(t.operand);
        push({ kind: "topic", topicKey: name === emptyTopicName ? "" : name.trim().toLowerCase() });
        break;
      }
      case "sender":
        push({ kind: "sender", userId: await userOperand(q, user, t.operand) });
        break;
      case "dm":
      case "pm-with": {
        const ids = await userListOperand(q, user, t.operand);
        const g = await dmGroupByKey(q, user.realmId, dmKey([...ids, user.id]));
        push(g ? { kind: "dmGroup", groupId: g.id } : { kind: "nothing" });
        break;
      }
      case "dm-including":
      case "dm-with":
        push({ kind: "dmIncluding", userId: await userOperand(q, user, t.operand), groupsOnly: false });
        break;
      case "group-pm-with":
        push({ kind: "dmIncluding", userId: await userOperand(q, user, t.operand), groupsOnly: true });
        break;
      case "is": {
        const o = String(t.operand);
        if (o !== "resolved" && o !== "followed") userSpecific = true;
        if (o === "dm" || o === "private") push({ kind: "isDm" });
        else if (o === "starred") push({ kind: "flagBit", bit: FlagBit.starred });
        else if (o === "alerted") push({ kind: "flagBit", bit: FlagBit.has_alert_word });
        else if (o === "unread") push({ kind: "unread" });
        else if (o === "mentioned") push({ kind: "mentioned" });
        else if (o === "resolved") push({ kind: "resolved" });
        else if (o === "followed") push({ kind: "followed" });
        else if (o === "muted") push({ kind: "muted" });
        break;
      }
      case "has":
        push({ kind: "has", what: String(t.operand) as "link" });
        break;
      case "in":
        // in:home is "not muted"; in:all filters nothing.
        if (t.operand === "home") conds.push({ kind: "muted", negated: !neg });
        else if (neg) conds.push({ kind: "nothing" });
        break;
      case "search":
        push({ kind: "search", query: String(t.operand) });
        if (!neg) search = String(t.operand);
        break;
      case "id": {
        const id = Number(t.operand);
        if (!Number.isSafeInteger(id)) throw badNarrow("Invalid narrow operand: id");
        push({ kind: "id", id });
        // A permalink to a message of a readable stream reads it even when not received.
        if (!neg) {
          const m = await messageById(q, id);
          if (m?.streamId != null && m.realmId === user.realmId) {
            const s = (await streamById(q, user.realmId, m.streamId))!;
            if (canReadWholeHistory(user, s, await subscriptionOf(q, user.id, s.id))) whole.add(s.id);
          }
        }
        break;
      }
      case "mentions":
        push({ kind: "mentionsUser", userId: await userOperand(q, user, t.operand) });
        break;
      case "near":
      case "with":
        break;
    }
  }
  const access: Access = { userId: user.id, realmId: user.realmId, whole: userSpecific ? [] : publicWhole ? "public" : [...whole] };
  // A positive term on a stream whose whole history is readable already confines every
  // result to readable messages, so the per-row access test can go: the query becomes an
  // index range scan on (stream_id, id). That is the hot path of GET /messages.
  const confined = conds.some((c) => !c.negated && c.kind === "stream" && whole.has(c.streamId));
  if (confined && !userSpecific) access.whole = "confined";
  if (publicWhole && !userSpecific && whole.size) {
    // channels:public plus a private stream term: keep both grants.
    access.whole = [...whole, ...(await streamsInRealm(q, user.realmId)).filter((s) => !s.inviteOnly).map((s) => s.id)];
  }
  return { conds, access, search };
}
