// Every area's snapshot provider: one line each (the merge point for new areas).
import type { StateProvider } from "./types.ts";
import { streamsProvider } from "./streams.ts";
import { messagesProvider } from "./messages.ts";

export const stateProviders: StateProvider[] = [
  streamsProvider,
  messagesProvider,
];
