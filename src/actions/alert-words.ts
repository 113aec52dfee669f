// Alert words (GET/POST/DELETE /users/me/alert_words): words that flag a message
// has_alert_word for one user. Case-insensitive, as in Zulip: a word is stored as first
// given and matched ignoring case.
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import type { UserRow } from "../db/repo/users.ts";
import { alertWordRows, deleteAlertWordIds, insertAlertWords, realmAlertWordRows } from "../db/repo/personal.ts";
import type { Q } from "../db/types.ts";
import { errors } from "../domain/errors.ts";

export const MAX_ALERT_WORD_LENGTH = 100;

export async function alertWordsOf(q: Q, userId: number): Promise<string[]> {
  return (await alertWordRows(q, userId)).map((r) => r.word);
}

/** For has_alert_word flags: each user's alert words in the realm (lower-cased for matching). */
export async function alertWordsForUsers(q: Q, realmId: number): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const r of await realmAlertWordRows(q, realmId)) {
    (out.get(r.userId) ?? out.set(r.userId, []).get(r.userId)!).push(r.word.toLowerCase());
  }
  return out;
}

function clean(words: string[]): string[] {
  const out = words.map((w) => w.trim()).filter((w) => w !== "");
  for (const w of out) if (w.length > MAX_ALERT_WORD_LENGTH) throw errors.badRequest(`alert_words[${out.indexOf(w)}] is too long (limit: ${MAX_ALERT_WORD_LENGTH} characters)`);
  return out;
}

export async function addAlertWords(deps: ActionDeps, user: UserRow, words: string[]): Promise<string[]> {
  const wanted = clean(words);
  return inTx(deps, async (tx) => {
    const have = new Set((await alertWordsOf(tx, user.id)).map((w) => w.toLowerCase()));
    const add: string[] = [];
    for (const w of wanted) if (!have.has(w.toLowerCase())) {
      have.add(w.toLowerCase());
      add.push(w);
    }
    await insertAlertWords(tx, user.realmId, user.id, add);
    const all = await alertWordsOf(tx, user.id);
    if (add.length) tx.notify({ type: "alert_words", alert_words: all }, [user.id], user.realmId);
    return all;
  });
}

export async function removeAlertWords(deps: ActionDeps, user: UserRow, words: string[]): Promise<string[]> {
  const gone = new Set(words.map((w) => w.trim().toLowerCase()));
  return inTx(deps, async (tx) => {
    const rows = await alertWordRows(tx, user.id);
    const ids = rows.filter((r) => gone.has(r.word.toLowerCase())).map((r) => r.id);
    await deleteAlertWordIds(tx, ids);
    const all = await alertWordsOf(tx, user.id);
    if (ids.length) tx.notify({ type: "alert_words", alert_words: all }, [user.id], user.realmId);
    return all;
  });
}
