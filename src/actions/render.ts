// Markdown rendering for messages and stream descriptions: the one place that builds the
// renderer's lookups (users, streams, groups, realm emoji, linkifiers). The renderer's
// lookups are synchronous, so the names a text can mention are gathered first and loaded
// in a few queries. Groups, realm emoji, linkifiers and alert words belong to the user-groups
// and realm areas; `renderSources` is the seam through which this file reads them (tests
// may replace an entry).
import { and, eq, inArray } from "drizzle-orm";
import type { Q } from "../db/types.ts";
import { renderMarkdown, renderTopicLinks, type MarkdownLookups, type RenderResult } from "../markdown/index.ts";
import { groupByName, groupMemberIds } from "./user-groups.ts";
import { realmEmoji } from "./realm-emoji.ts";
import { linkifiersForRealm } from "./linkifiers.ts";
import { alertWordsForUsers } from "./alert-words.ts";
import { realmById, type RealmRow } from "../db/repo/realms.ts";
import { realmSettings } from "../domain/realm-settings.ts";
import { messagingSettings } from "../domain/messaging-settings.ts";

type Named<T> = Map<string, T>;
type Linkifier = MarkdownLookups["linkifiers"][number];

export const renderSources: {
  groupsByName(q: Q, realmId: number, names: string[]): Promise<Named<{ id: number; name: string; description?: string }>>;
  /** members of the mentioned user groups (a group mention flags them as mentioned) */
  groupMembers(q: Q, groupIds: number[]): Promise<number[]>;
  realmEmoji(q: Q, realmId: number): Promise<Named<{ id: string; sourceUrl: string; stillUrl?: string | null }>>;
  linkifiers(q: Q, realmId: number): Promise<Linkifier[]>;
  /** each user's alert words in the realm, lower-cased (sets has_alert_word) */
  alertWords(q: Q, realmId: number): Promise<Map<number, string[]>>;
} = {
  async groupsByName(q, realmId, names) {
    const out = new Map<string, { id: number; name: string; description?: string }>();
    for (const n of names) {
      const g = await groupByName(q, realmId, n);
      if (g && !g.deactivated) out.set(n, { id: g.id, name: g.name, description: g.description });
    }
    return out;
  },
  async groupMembers(q, groupIds) {
    const all = new Set<number>();
    for (const id of groupIds) for (const u of await groupMemberIds(q, id, true)) all.add(u);
    return [...all];
  },
  async realmEmoji(q, realmId) {
    const out = new Map<string, { id: string; sourceUrl: string; stillUrl?: string | null }>();
    for (const e of Object.values(await realmEmoji(q, realmId)) as { id: string; name: string; source_url: string; still_url?: string | null; deactivated: boolean }[]) {
      if (!e.deactivated) out.set(e.name, { id: e.id, sourceUrl: e.source_url, stillUrl: e.still_url ?? null });
    }
    return out;
  },
  linkifiers: (q, realmId) => linkifiersForRealm(q, realmId),
  alertWords: (q, realmId) => alertWordsForUsers(q, realmId),
};

/** The names and ids a message's text could refer to, so lookups are loaded in bulk. */
function candidates(content: string) {
  const userNames = new Set<string>();
  const userIds = new Set<number>();
  const groupNames = new Set<string>();
  const streamNames = new Set<string>();
  for (const m of content.matchAll(/@_?\*\*([^*|]+?)(?:\|(\d+))?\*\*/g)) {
    if (m[2]) userIds.add(Number(m[2]));
    else userNames.add(m[1]!.toLowerCase());
  }
  for (const m of content.matchAll(/@_?\*([^*]+?)\*/g)) groupNames.add(m[1]!);
  for (const m of content.matchAll(/#\*\*([^*>]+?)(?:>[^*]*)?\*\*/g)) streamNames.add(m[1]!.toLowerCase());
  return { userNames, userIds, groupNames, streamNames };
}

export async function lookupsFor(q: Q, realmId: number, content: string, realmRow?: RealmRow): Promise<Partial<MarkdownLookups>> {
  const c = candidates(content);
  const u = q.t.users;
  const byName = new Map<string, { id: number; fullName: string }>();
  const byId = new Map<number, { id: number; fullName: string }>();
  if (c.userNames.size || c.userIds.size) {
    // Names are matched case-insensitively in JS: the candidate set is tiny.
    const rows = await q.db
      .select({ id: u.id, fullName: u.fullName, isActive: u.isActive })
      .from(u)
      .where(and(eq(u.realmId, realmId), eq(u.isActive, true)));
    for (const r of rows) {
      if (c.userNames.has(r.fullName.toLowerCase()) && !byName.has(r.fullName.toLowerCase())) byName.set(r.fullName.toLowerCase(), r);
      if (c.userIds.has(r.id)) byId.set(r.id, r);
    }
  }
  const streams = new Map<string, { id: number; name: string }>();
  if (c.streamNames.size) {
    const s = q.t.streams;
    const rows = await q.db
      .select({ id: s.id, name: s.name, key: s.nameKey })
      .from(s)
      .where(and(eq(s.realmId, realmId), inArray(s.nameKey, [...c.streamNames])));
    for (const r of rows) streams.set(r.key, r);
  }
  const groups = c.groupNames.size ? await renderSources.groupsByName(q, realmId, [...c.groupNames]) : new Map();
  const emoji = content.includes(":") ? await renderSources.realmEmoji(q, realmId) : new Map();
  const linkifiers = await renderSources.linkifiers(q, realmId);
  const realm = realmRow ?? (await realmById(q, realmId));
  return {
    inlineImagePreview: realm ? realmSettings(realm.settings).inline_image_preview : true,
    emptyTopicDisplayName: realm ? messagingSettings(realm).empty_topic_display_name : "general chat",
    userByName: (n) => byName.get(n.toLowerCase()),
    userById: (id) => byId.get(id),
    groupByName: (n) => groups.get(n),
    streamByName: (n) => streams.get(n.toLowerCase()),
    realmEmoji: (n) => emoji.get(n),
    linkifiers,
  };
}

export async function renderForRealm(q: Q, realmId: number, content: string): Promise<RenderResult> {
  return renderMarkdown(content, await lookupsFor(q, realmId, content));
}

export async function topicLinks(q: Q, realmId: number, topic: string) {
  return renderTopicLinks(topic, await renderSources.linkifiers(q, realmId));
}

/** Which of `userIds` have one of their alert words in `text`: whole words, case-insensitively, as Zulip matches them. */
export function alertWordMatches(words: Map<number, string[]>, userIds: number[], text: string): number[] {
  if (!words.size) return [];
  const lower = text.toLowerCase();
  const esc = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const hit = (w: string) => new RegExp(`(^|[^\\p{L}\\p{N}_])${esc(w)}($|[^\\p{L}\\p{N}_])`, "u").test(lower);
  return userIds.filter((u) => (words.get(u) ?? []).some(hit));
}

/** Plain text of rendered HTML (what full-text search indexes). */
export function htmlToText(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}
