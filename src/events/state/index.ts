// Every area's snapshot provider: one line each (the merge point for new areas).
import type { StateProvider } from "./types.ts";
import { realmStateProvider } from "./realm.ts";
import { usersStateProvider } from "./users.ts";
import { presenceState } from "./presence.ts";
import { typingState } from "./typing.ts";
import { userGroupsState } from "./user-groups.ts";
import { personalState } from "./personal.ts";
import { realmExtrasState } from "./realm-extras.ts";
import { streamsProvider } from "./streams.ts";
import { messagesProvider } from "./messages.ts";

export const stateProviders: StateProvider[] = [
  realmStateProvider,
  usersStateProvider,
  presenceState,
  typingState,
  userGroupsState,
  personalState,
  realmExtrasState,
  streamsProvider,
  messagesProvider,
];
