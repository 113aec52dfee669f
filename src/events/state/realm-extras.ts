// /register: realm_emoji, realm_linkifiers and the legacy (always empty) realm_filters.
import type { StateProvider } from "./types.ts";
import { realmEmoji } from "../../actions/realm-emoji.ts";
import { realmLinkifiers } from "../../actions/linkifiers.ts";

export const realmExtrasState: StateProvider = {
  name: "realm_extras",
  fetchTypes: ["realm_emoji", "realm_linkifiers", "realm_filters"],
  async fetch(ctx, want) {
    const out: Record<string, unknown> = {};
    if (want("realm_emoji")) out.realm_emoji = await realmEmoji(ctx.deps.store, ctx.realm.id);
    if (want("realm_linkifiers")) out.realm_linkifiers = await realmLinkifiers(ctx.deps.store, ctx.realm.id);
    if (want("realm_filters")) out.realm_filters = [];
    return out;
  },
  apply(state, event) {
    switch (event.type) {
      case "realm_emoji":
        if ("realm_emoji" in state) state.realm_emoji = event.realm_emoji;
        return true;
      case "realm_linkifiers":
        if ("realm_linkifiers" in state) state.realm_linkifiers = event.realm_linkifiers;
        return true;
      case "realm_filters":
        if ("realm_filters" in state) state.realm_filters = event.realm_filters;
        return true;
    }
    return false;
  },
};
