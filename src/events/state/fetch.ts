// fetch_initial_state / apply_events over the registered providers.
import { stateProviders } from "./index.ts";
import { baseProvider } from "./base.ts";
import type { RegisterOptions, StateContext } from "./types.ts";
import type { ZulipEvent } from "../bus.ts";

export function defaultRegisterOptions(partial: Partial<RegisterOptions> = {}): RegisterOptions {
  return {
    eventTypes: null,
    fetchEventTypes: null,
    narrow: [],
    allPublicStreams: false,
    applyMarkdown: false,
    clientGravatar: true,
    slimPresence: false,
    includeSubscribers: false,
    clientCapabilities: {},
    clientName: "API",
    ...partial,
  };
}

/** The snapshot keys for the requested fetch types (all when none are given). */
export async function fetchInitialState(ctx: StateContext): Promise<Record<string, unknown>> {
  const types = ctx.options.fetchEventTypes ?? ctx.options.eventTypes;
  const want = (t: string) => types === null || types.includes(t);
  const out: Record<string, unknown> = {};
  for (const p of stateProviders) {
    if (p.fetchTypes.some(want)) Object.assign(out, await p.fetch(ctx, want));
  }
  // Keys no area provides yet, with their empty values (state/base.ts).
  await baseProvider.fill(out, ctx, want);
  return out;
}

/** Applies one event to a snapshot the way a client does; false when no provider knows the event. */
export function applyEvent(state: Record<string, unknown>, event: ZulipEvent, ctx: StateContext): boolean {
  for (const p of stateProviders) if (p.apply?.(state, event, ctx)) return true;
  return baseProvider.apply!(state, event, ctx);
}
