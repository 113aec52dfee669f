// /register keys of the per-user satellites: user_status, muted_users, alert_words, drafts.
import type { StateProvider } from "./types.ts";
import { realmUserStatuses } from "../../actions/user-status.ts";
import { mutedUsersList } from "../../actions/muted-users.ts";
import { alertWordsOf } from "../../actions/alert-words.ts";
import { draftsEnabled, listDrafts } from "../../actions/drafts.ts";

type Draft = { id: number; timestamp: number };

export const personalState: StateProvider = {
  name: "personal",
  fetchTypes: ["user_status", "muted_users", "alert_words", "drafts"],
  async fetch(ctx, want) {
    const out: Record<string, unknown> = {};
    const q = ctx.deps.store;
    if (want("user_status")) out.user_status = await realmUserStatuses(ctx.deps, ctx.realm.id);
    if (want("muted_users")) out.muted_users = await mutedUsersList(q, ctx.user.id);
    if (want("alert_words")) out.alert_words = await alertWordsOf(q, ctx.user.id);
    if (want("drafts")) out.drafts = draftsEnabled(ctx.user) ? await listDrafts(q, ctx.user.id) : [];
    return out;
  },
  apply(state, event) {
    switch (event.type) {
      case "user_status": {
        const all = state.user_status as Record<string, Record<string, unknown>> | undefined;
        if (!all) return true;
        const key = String(event.user_id);
        const s = (all[key] ??= {});
        if (event.away !== undefined) {
          if (event.away) s.away = true;
          else delete s.away;
        }
        if (event.status_text !== undefined) {
          if (event.status_text) s.status_text = event.status_text;
          else delete s.status_text;
        }
        if (event.emoji_name !== undefined) {
          if (event.emoji_name) Object.assign(s, { emoji_name: event.emoji_name, emoji_code: event.emoji_code, reaction_type: event.reaction_type });
          else {
            delete s.emoji_name;
            delete s.emoji_code;
            delete s.reaction_type;
          }
        }
        if (Object.keys(s).length === 0) delete all[key];
        return true;
      }
      case "muted_users":
        if ("muted_users" in state) state.muted_users = event.muted_users;
        return true;
      case "alert_words":
        if ("alert_words" in state) state.alert_words = event.alert_words;
        return true;
      case "drafts": {
        let drafts = state.drafts as Draft[] | undefined;
        if (!drafts) return true;
        if (event.op === "add") drafts = [...drafts, ...(event.drafts as Draft[])];
        else if (event.op === "update") {
          const d = event.draft as Draft;
          drafts = [...drafts.filter((x) => x.id !== d.id), d];
        } else if (event.op === "remove") drafts = drafts.filter((x) => x.id !== event.draft_id);
        state.drafts = drafts.sort((a, b) => a.timestamp - b.timestamp || a.id - b.id);
        return true;
      }
    }
    return false;
  },
};
