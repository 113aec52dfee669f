// /register: realm_user_groups, and apply for user_group events.
import type { StateProvider } from "./types.ts";
import { listUserGroups } from "../../actions/user-groups.ts";

type Group = Record<string, unknown> & { id: number; members: number[]; direct_subgroup_ids: number[] };
const sortNum = (xs: number[]) => xs.sort((a, b) => a - b);

export const userGroupsState: StateProvider = {
  name: "user_groups",
  fetchTypes: ["realm_user_groups"],
  async fetch(ctx) {
    const includeDeactivated = ctx.options.clientCapabilities.include_deactivated_groups === true;
    return { realm_user_groups: await listUserGroups(ctx.deps, ctx.realm.id, { includeDeactivated }) };
  },
  apply(state, event, ctx) {
    if (event.type !== "user_group") return false;
    const groups = state.realm_user_groups as Group[] | undefined;
    if (!groups) return true;
    const id = event.group_id as number;
    const g = groups.find((x) => x.id === id);
    switch (event.op) {
      case "add":
        groups.push(event.group as Group);
        groups.sort((a, b) => a.id - b.id);
        break;
      case "update": {
        const data = event.data as Record<string, unknown>;
        const keepDeactivated = ctx.options.clientCapabilities.include_deactivated_groups === true;
        if (data.deactivated === true && !keepDeactivated) {
          state.realm_user_groups = groups.filter((x) => x.id !== id);
        } else if (g) Object.assign(g, data);
        break;
      }
      case "add_members":
        if (g) g.members = sortNum([...new Set([...g.members, ...(event.user_ids as number[])])]);
        break;
      case "remove_members":
        if (g) g.members = g.members.filter((u) => !(event.user_ids as number[]).includes(u));
        break;
      case "add_subgroups":
        if (g) g.direct_subgroup_ids = sortNum([...new Set([...g.direct_subgroup_ids, ...(event.direct_subgroup_ids as number[])])]);
        break;
      case "remove_subgroups":
        if (g) g.direct_subgroup_ids = g.direct_subgroup_ids.filter((s) => !(event.direct_subgroup_ids as number[]).includes(s));
        break;
      case "remove":
        state.realm_user_groups = groups.filter((x) => x.id !== id);
        break;
    }
    return true;
  },
};
