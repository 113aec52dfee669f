// The initial-state registry behind POST /register (Zulip's fetch_initial_state_data).
// Each area contributes one provider in its own file (state/<area>.ts) and one line in
// state/index.ts. A provider returns the snapshot keys for the fetch types it owns, and
// knows how to apply its events to such a snapshot (Zulip's apply_events), which the
// verify_action tests use to prove events and snapshots agree.
import type { ActionDeps } from "../../actions/deps.ts";
import type { RealmRow } from "../../db/repo/realms.ts";
import type { UserRow } from "../../db/repo/users.ts";
import type { ZulipEvent } from "../bus.ts";

/** A narrow term as sent to /register, normalized to the modern form. */
export interface NarrowTerm {
  operator: string;
  operand: string | number | number[];
  negated?: boolean;
}

export interface RegisterOptions {
  /** null = all event types */
  eventTypes: string[] | null;
  /** which snapshot keys to compute; defaults to eventTypes */
  fetchEventTypes: string[] | null;
  narrow: NarrowTerm[];
  allPublicStreams: boolean;
  applyMarkdown: boolean;
  clientGravatar: boolean;
  slimPresence: boolean;
  includeSubscribers: boolean | "partial";
  clientCapabilities: Record<string, boolean>;
  presenceHistoryLimitDays?: number;
  /** client name, from the User-Agent (Zulip derives the message `client` from it) */
  clientName: string;
}

export interface StateContext {
  deps: ActionDeps;
  realm: RealmRow;
  user: UserRow;
  options: RegisterOptions;
}

export interface StateProvider {
  /** a name for logs and tests */
  name: string;
  /** the fetch_event_types this provider answers (e.g. ["realm_user"]) */
  fetchTypes: string[];
  /** the snapshot keys for the requested types; `want(t)` says whether type t was requested */
  fetch(ctx: StateContext, want: (fetchType: string) => boolean): Promise<Record<string, unknown>>;
  /**
   * Applies one event to a snapshot produced by fetch (mutating it), as a client would.
   * Returns true when the event was handled. Used by the verify_action tests.
   */
  apply?(state: Record<string, unknown>, event: ZulipEvent, ctx: StateContext): boolean;
}
