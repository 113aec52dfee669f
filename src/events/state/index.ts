// Every area's snapshot provider: one line each (the merge point for new areas).
import type { StateProvider } from "./types.ts";
import { realmStateProvider } from "./realm.ts";
import { usersStateProvider } from "./users.ts";

export const stateProviders: StateProvider[] = [
  realmStateProvider,
  usersStateProvider,
];
