// Emoji reactions (Zulip's check_add_reaction / do_remove_reaction).
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import { deleteReaction, flagBits, insertReaction, reactionsFor, setFlagBit } from "../db/repo/messages.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { unicodeEmojiCode, unicodeEmojiName, ZULIP_EXTRA_EMOJI } from "../domain/emoji.ts";
import { FlagBit } from "../domain/flags.ts";
import { accessMessage, hasReceived } from "./message-access.ts";
import { messageAudience } from "./messages.ts";
import { renderSources } from "./render.ts";

export interface ReactionInput {
  emojiName?: string;
  emojiCode?: string;
  reactionType?: string;
}

async function resolveEmoji(deps: ActionDeps, realm: RealmRow, i: ReactionInput, forRemove: boolean) {
  const type = i.reactionType ?? (i.emojiName && ZULIP_EXTRA_EMOJI[i.emojiName] ? "zulip_extra_emoji" : undefined);
  if (type === "realm_emoji" || (!type && i.emojiName && !unicodeEmojiCode(i.emojiName) && !i.emojiCode)) {
    const emoji = await renderSources.realmEmoji(deps.store, realm.id);
    const e = i.emojiName ? emoji.get(i.emojiName) : [...emoji.values()].find((x) => x.id === i.emojiCode);
    if (e) return { name: i.emojiName!, code: e.id, type: "realm_emoji" };
    if (type === "realm_emoji" && !forRemove) throw errors.badRequest(`Emoji '${i.emojiName}' does not exist`);
  }
  if (type === "zulip_extra_emoji") {
    const name = i.emojiName ?? "zulip";
    if (!ZULIP_EXTRA_EMOJI[name]) throw errors.badRequest(`Emoji '${name}' does not exist`);
    return { name, code: ZULIP_EXTRA_EMOJI[name]!, type };
  }
  const code = i.emojiCode ?? (i.emojiName ? unicodeEmojiCode(i.emojiName) : undefined);
  if (!code || !/^[0-9a-f]+(-[0-9a-f]+)*$/.test(code)) throw errors.badRequest(`Emoji '${i.emojiName ?? i.emojiCode}' does not exist`);
  return { name: i.emojiName ?? unicodeEmojiName(code) ?? code, code, type: type ?? "unicode_emoji" };
}

export async function addReaction(deps: ActionDeps, realm: RealmRow, user: UserRow, messageId: number, input: ReactionInput) {
  if (!input.emojiName) throw errors.missing("emoji_name");
  const e = await resolveEmoji(deps, realm, input, false);
  return inTx(deps, async (tx) => {
    const m = await accessMessage(tx, user, messageId);
    const ok = await insertReaction(tx, { messageId: m.id, userId: user.id, emojiName: e.name, emojiCode: e.code, reactionType: e.type });
    if (!ok) throw new ApiError("REACTION_ALREADY_EXISTS", "Reaction already exists.");
    // Reacting to a message one never received makes it "historical" for that user (Zulip).
    if (!(await hasReceived(tx, user.id, m)) && !(((await flagBits(tx, user.id, [m.id])).get(m.id) ?? 0) & FlagBit.historical)) {
      await setFlagBit(tx, user.id, [m.id], FlagBit.historical, true);
    }
    tx.notify(reactionEvent("add", user, m.id, e), await messageAudience(tx, m), realm.id);
    return {};
  });
}

export async function removeReaction(deps: ActionDeps, realm: RealmRow, user: UserRow, messageId: number, input: ReactionInput) {
  if (!input.emojiName && !input.emojiCode) throw errors.missing("emoji_name");
  return inTx(deps, async (tx) => {
    const m = await accessMessage(tx, user, messageId);
    let e: { name: string; code: string; type: string };
    if (input.emojiCode && input.reactionType) e = { name: input.emojiName ?? "", code: input.emojiCode, type: input.reactionType };
    else if (!input.emojiCode && input.emojiName) {
      // By name: find this user's reaction with that name, whatever its type.
      const mine = (await reactionsFor(tx, [m.id])).find((r) => r.userId === user.id && r.emojiName === input.emojiName);
      if (!mine) throw new ApiError("REACTION_DOES_NOT_EXIST", "Reaction doesn't exist.");
      e = { name: mine.emojiName, code: mine.emojiCode, type: mine.reactionType };
    } else e = await resolveEmoji(deps, realm, input, true);
    const existing = (await reactionsFor(tx, [m.id])).find((r) => r.userId === user.id && r.emojiCode === e.code && r.reactionType === e.type);
    if (!existing || !(await deleteReaction(tx, { messageId: m.id, userId: user.id, emojiName: e.name, emojiCode: e.code, reactionType: e.type }))) {
      throw new ApiError("REACTION_DOES_NOT_EXIST", "Reaction doesn't exist.");
    }
    tx.notify(reactionEvent("remove", user, m.id, { ...e, name: existing.emojiName }), await messageAudience(tx, m), realm.id);
    return {};
  });
}

function reactionEvent(op: "add" | "remove", user: UserRow, messageId: number, e: { name: string; code: string; type: string }) {
  return {
    type: "reaction",
    op,
    user_id: user.id,
    user: { user_id: user.id, email: user.email, full_name: user.fullName },
    message_id: messageId,
    emoji_name: e.name,
    emoji_code: e.code,
    reaction_type: e.type,
  };
}
