// Zulip message objects (ZULIP-API.md §4.1) built for one reader in a fixed number of
// queries, whatever the number of messages: senders, streams, DM participants,
// reactions, sparse flags, read intervals and subscription intervals are each loaded once
// (no N+1 in GET /messages).
import { inArray } from "drizzle-orm";
import type { Q } from "../db/types.ts";
import type { UserRow } from "../db/repo/users.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { dmGroupMembers, flagBits, reactionsFor, readIntervalsOf, type MessageRow } from "../db/repo/messages.ts";
import { intervalsOfUser, streamsByIds } from "../db/repo/streams.ts";
import { contains, type Interval } from "../domain/intervals.ts";
import { FlagBit, Wildcard, flagNames } from "../domain/flags.ts";
import { avatarUrl } from "../domain/avatars.ts";
import { renderSources } from "./render.ts";
import { renderTopicLinks } from "../markdown/index.ts";

export interface MessageObjectOptions {
  applyMarkdown: boolean;
  clientGravatar: boolean;
  /** the server's Gravatar setting (HEARTH_ENABLE_GRAVATAR); off: every avatar URL is ours */
  enableGravatar?: boolean;
  /** full-text query: adds match_content / match_subject */
  search?: string;
}

/** Recipient ids are opaque to clients; they only need to be stable and distinct per conversation. */
export const recipientId = (m: { streamId: number | null; dmGroupId: number | null }) =>
  m.streamId !== null ? m.streamId * 2 : (m.dmGroupId ?? 0) * 2 + 1;

export interface ReaderState {
  readIntervals: Interval[];
  subIntervals: Map<number, { s: number; e: number | null }[]>;
}

export async function readerState(q: Q, userId: number): Promise<ReaderState> {
  const subIntervals = new Map<number, { s: number; e: number | null }[]>();
  for (const iv of await intervalsOfUser(q, userId)) {
    const l = subIntervals.get(iv.streamId) ?? [];
    l.push({ s: iv.startId, e: iv.endId });
    subIntervals.set(iv.streamId, l);
  }
  return { readIntervals: await readIntervalsOf(q, userId), subIntervals };
}

/** Did `userId` receive m (Zulip: a UserMessage row exists)? DMs are only ever passed for participants. */
export function received(userId: number, m: MessageRow, st: ReaderState, bits: number): boolean {
  if (m.senderId === userId || m.dmGroupId !== null) return true;
  if (bits & FlagBit.historical) return true;
  const ivs = m.streamId !== null ? st.subIntervals.get(m.streamId) : undefined;
  return !!ivs?.some((iv) => iv.s <= m.id && (iv.e === null || iv.e >= m.id));
}

export function flagsFor(userId: number, m: MessageRow, st: ReaderState, bits: number): string[] {
  const got = received(userId, m, st, bits);
  if (!got) return flagNames(bits | FlagBit.historical, true, false);
  const read = contains(st.readIntervals, m.id);
  return flagNames(bits, read, m.wildcard === Wildcard.STREAM);
}

export async function messageObjects(
  q: Q,
  realm: RealmRow,
  reader: UserRow,
  rows: MessageRow[],
  opts: MessageObjectOptions,
): Promise<Record<string, unknown>[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const groupIds = [...new Set(rows.filter((r) => r.dmGroupId !== null).map((r) => r.dmGroupId!))];
  const streamIds = [...new Set(rows.filter((r) => r.streamId !== null).map((r) => r.streamId!))];
  const [members, streams, reactions, bits, st, linkifiers] = await Promise.all([
    dmGroupMembers(q, groupIds),
    streamsByIds(q, streamIds),
    reactionsFor(q, ids),
    flagBits(q, reader.id, ids),
    readerState(q, reader.id),
    renderSources.linkifiers(q, realm.id),
  ]);
  const userIds = new Set<number>(rows.map((r) => r.senderId));
  for (const l of members.values()) for (const u of l) userIds.add(u);
  const users = new Map(
    (await q.db.select().from(q.t.users).where(inArray(q.t.users.id, [...userIds]))).map((u) => [u.id, u]),
  );
  const streamName = new Map(streams.map((s) => [s.id, s.name]));
  const reactionsBy = new Map<number, Record<string, unknown>[]>();
  for (const r of reactions) {
    const l = reactionsBy.get(r.messageId) ?? [];
    l.push({ emoji_name: r.emojiName, emoji_code: r.emojiCode, reaction_type: r.reactionType, user_id: r.userId });
    reactionsBy.set(r.messageId, l);
  }
  return rows.map((m) => {
    const sender = users.get(m.senderId)!;
    const o: Record<string, unknown> = {
      id: m.id,
      sender_id: m.senderId,
      sender_email: sender.email,
      sender_full_name: sender.fullName,
      sender_realm_str: realm.stringId,
      avatar_url: avatarUrl({ enableGravatar: opts.enableGravatar ?? false }, sender, opts.clientGravatar),
      client: m.client,
      type: m.streamId !== null ? "stream" : "private",
      recipient_id: recipientId(m),
      subject: m.topic,
      timestamp: Math.floor(m.dateSent.getTime() / 1000),
      content: opts.applyMarkdown ? m.renderedContent : m.content,
      content_type: opts.applyMarkdown ? "text/html" : "text/x-markdown",
      is_me_message: m.isMeMessage,
      reactions: reactionsBy.get(m.id) ?? [],
      submessages: [],
      topic_links: m.streamId !== null ? renderTopicLinks(m.topic, linkifiers) : [],
      flags: flagsFor(reader.id, m, st, bits.get(m.id) ?? 0),
    };
    if (m.streamId !== null) {
      o.stream_id = m.streamId;
      o.display_recipient = streamName.get(m.streamId) ?? "";
    } else {
      o.display_recipient = (members.get(m.dmGroupId!) ?? []).map((id) => {
        const u = users.get(id)!;
        return { id: u.id, email: u.email, full_name: u.fullName, is_mirror_dummy: false };
      });
    }
    if (m.lastEditTime) o.last_edit_timestamp = Math.floor(m.lastEditTime.getTime() / 1000);
    if (m.lastMovedTime) o.last_moved_timestamp = Math.floor(m.lastMovedTime.getTime() / 1000);
    if (opts.search !== undefined) {
      o.match_content = highlight(m.renderedContent, opts.search, true);
      o.match_subject = highlight(escapeHtml(m.topic), opts.search, true);
    }
    return o;
  });
}

export const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Search terms: words and "quoted phrases", as both databases' queries read them. */
export function searchTerms(query: string): string[] {
  const out: string[] = [];
  for (const m of query.matchAll(/"([^"]*)"|(\S+)/g)) {
    const t = (m[1] ?? m[2] ?? "").trim();
    if (t) out.push(t);
  }
  return out;
}

/** A crude English stem (the databases stem properly; this only decides what to highlight). */
const stem = (w: string) => w.toLowerCase().replace(/(ing|ed|es|s|ly)$/i, "").replace(/[^\p{L}\p{N}_]/gu, "") || w.toLowerCase();

/**
 * Wraps words matching the search (same stem, case-insensitive) in
 * <span class="highlight">, in text only, never inside tags; Zulip's match_content shape.
 */
export function highlight(html: string, query: string, _isHtml: boolean): string {
  const stems = searchTerms(query).flatMap((t) => t.split(/\s+/)).map(stem).filter(Boolean);
  if (!stems.length) return html;
  return html
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (part.startsWith("<")) return part;
      return part.replace(/[\p{L}\p{N}_]+/gu, (word) =>
        stems.some((s) => word.toLowerCase().startsWith(s)) ? `<span class="highlight">${word}</span>` : word,
      );
    })
    .join("");
}
