// Typing has no state of its own; its expiry settings come with the `realm` keys.
import type { StateProvider } from "./types.ts";
import { TYPING } from "../../actions/typing.ts";

export const typingState: StateProvider = {
  name: "typing",
  fetchTypes: ["realm"],
  async fetch() {
    return {
      server_typing_started_expiry_period_milliseconds: TYPING.startedExpiryPeriodMs,
      server_typing_stopped_wait_period_milliseconds: TYPING.stoppedWaitPeriodMs,
      server_typing_started_wait_period_milliseconds: TYPING.startedWaitPeriodMs,
    };
  },
  // typing events change no snapshot: a client only shows them until they expire
  apply: (_state, event) => event.type === "typing" || event.type === "typing_edit_message",
};
