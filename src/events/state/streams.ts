// /register keys for streams and subscriptions (subscriptions, unsubscribed,
// never_subscribed, streams, realm_default_streams, user_topics, muted_topics) and how
// their events apply to a snapshot (Zulip's apply_events).
import type { StateProvider } from "./types.ts";
import { defaultStreamIds, mutedTopicsList, subscriptionState, userTopicObjects } from "../../actions/streams.ts";

type Obj = Record<string, any>;
const LISTS = ["subscriptions", "unsubscribed", "never_subscribed", "streams"] as const;
const byId = (a: Obj, b: Obj) => a.stream_id - b.stream_id;
/** The per-user keys of a subscription object (a stream object is the rest). */
const SUBSCRIPTION_ONLY = new Set([
  "color", "is_muted", "in_home_view", "pin_to_top", "desktop_notifications", "audible_notifications",
  "push_notifications", "email_notifications", "wildcard_mentions_notify", "subscribers",
]);

function eachStreamObject(state: Obj, streamIds: number[], fn: (o: Obj, list: string) => void) {
  for (const l of LISTS) for (const o of (state[l] as Obj[] | undefined) ?? []) if (streamIds.includes(o.stream_id)) fn(o, l);
}

export const streamsProvider: StateProvider = {
  name: "streams",
  fetchTypes: ["subscription", "stream", "default_streams", "user_topic", "muted_topics"],
  async fetch(ctx, want) {
    const out: Record<string, unknown> = {};
    const q = ctx.deps.store;
    if (want("subscription") || want("stream")) {
      const st = await subscriptionState(q, ctx.user, ctx.options.includeSubscribers !== false);
      if (want("subscription")) Object.assign(out, { subscriptions: st.subscriptions, unsubscribed: st.unsubscribed, never_subscribed: st.never_subscribed });
      if (want("stream")) out.streams = st.streams;
    }
    if (want("default_streams")) out.realm_default_streams = await defaultStreamIds(q, ctx.realm.id);
    if (want("user_topic") || want("muted_topics")) {
      const topics = (await userTopicObjects(q, ctx.user.id)).sort((a, b) => a.stream_id - b.stream_id || a.topic_name.localeCompare(b.topic_name));
      if (want("user_topic")) out.user_topics = topics;
      if (want("muted_topics")) out.muted_topics = await mutedTopicsList(q, ctx.user);
    }
    return out;
  },
  apply(state, event, ctx) {
    const s = state as Obj;
    const withSubs = ctx.options.includeSubscribers !== false;
    if (event.type === "subscription") {
      const e = event as Obj;
      if (e.op === "add") {
        for (const sub of e.subscriptions as Obj[]) {
          const copy = { ...sub };
          if (!withSubs) delete copy.subscribers;
          if (s.subscriptions) {
            s.unsubscribed = s.unsubscribed.filter((o: Obj) => o.stream_id !== sub.stream_id);
            s.never_subscribed = s.never_subscribed.filter((o: Obj) => o.stream_id !== sub.stream_id);
            s.subscriptions = [...s.subscriptions.filter((o: Obj) => o.stream_id !== sub.stream_id), copy].sort(byId);
          }
          if (s.streams) {
            const stream = Object.fromEntries(Object.entries(sub).filter(([k]) => !SUBSCRIPTION_ONLY.has(k)));
            s.streams = [...s.streams.filter((o: Obj) => o.stream_id !== sub.stream_id), stream].sort(byId);
          }
        }
        return true;
      }
      if (e.op === "remove") {
        for (const r of e.subscriptions as Obj[]) {
          let wasPrivate = false;
          if (s.subscriptions) {
            const sub = s.subscriptions.find((o: Obj) => o.stream_id === r.stream_id);
            s.subscriptions = s.subscriptions.filter((o: Obj) => o.stream_id !== r.stream_id);
            if (sub) {
              wasPrivate = sub.invite_only;
              const moved = { ...sub, subscriber_count: sub.subscriber_count - 1 };
              if (moved.subscribers) moved.subscribers = moved.subscribers.filter((u: number) => u !== ctx.user.id);
              if (wasPrivate) delete moved.subscribers;
              s.unsubscribed = [...s.unsubscribed, moved].sort(byId);
            }
          }
          if (s.streams) {
            const st = s.streams.find((o: Obj) => o.stream_id === r.stream_id);
            if (st?.invite_only) s.streams = s.streams.filter((o: Obj) => o.stream_id !== r.stream_id);
            else if (st) st.subscriber_count -= 1;
          }
        }
        return true;
      }
      if (e.op === "update") {
        for (const o of s.subscriptions ?? []) if (o.stream_id === e.stream_id) o[e.property] = e.value;
        return true;
      }
      if (e.op === "peer_add" || e.op === "peer_remove") {
        const add = e.op === "peer_add";
        eachStreamObject(s, e.stream_ids, (o) => {
          const had = o.subscribers as number[] | undefined;
          const changed = add ? (e.user_ids as number[]).filter((u) => !had?.includes(u)) : (e.user_ids as number[]).filter((u) => !had || had.includes(u));
          o.subscriber_count += add ? changed.length : -changed.length;
          if (had) o.subscribers = add ? [...had, ...changed] : had.filter((u) => !(e.user_ids as number[]).includes(u));
        });
        return true;
      }
      return false;
    }
    if (event.type === "stream") {
      const e = event as Obj;
      if (e.op === "create") {
        for (const st of e.streams as Obj[]) {
          if (s.streams && !s.streams.some((o: Obj) => o.stream_id === st.stream_id)) s.streams = [...s.streams, { ...st }].sort(byId);
          if (s.never_subscribed && ![...s.subscriptions, ...s.unsubscribed].some((o: Obj) => o.stream_id === st.stream_id)) {
            const o = { ...st };
            if (withSubs) o.subscribers ??= [];
            s.never_subscribed = [...s.never_subscribed.filter((x: Obj) => x.stream_id !== st.stream_id), o].sort(byId);
          }
        }
        return true;
      }
      if (e.op === "delete") {
        const ids = e.stream_ids as number[];
        for (const l of LISTS) if (s[l]) s[l] = s[l].filter((o: Obj) => !ids.includes(o.stream_id));
        return true;
      }
      if (e.op === "update") {
        eachStreamObject(s, [e.stream_id], (o) => {
          if (e.property === "first_message_id" && o.first_message_id !== null) return;
          o[e.property] = e.value;
          if (e.property === "invite_only") {
            o.history_public_to_subscribers = e.history_public_to_subscribers;
            o.is_web_public = e.is_web_public;
          }
          if (e.rendered_description !== undefined) o.rendered_description = e.rendered_description;
          if (e.is_announcement_only !== undefined) o.is_announcement_only = e.is_announcement_only;
        });
        return true;
      }
      return false;
    }
    if (event.type === "default_streams") {
      if (s.realm_default_streams) s.realm_default_streams = [...((event as Obj).default_streams as number[])];
      return true;
    }
    if (event.type === "muted_topics") {
      if (s.muted_topics) s.muted_topics = structuredClone((event as Obj).muted_topics);
      return true;
    }
    if (event.type === "user_topic") {
      const e = event as Obj;
      if (s.user_topics) {
        const rest = (s.user_topics as Obj[]).filter((t) => !(t.stream_id === e.stream_id && t.topic_name.toLowerCase() === e.topic_name.toLowerCase()));
        if (e.visibility_policy !== 0) rest.push({ stream_id: e.stream_id, topic_name: e.topic_name, last_updated: e.last_updated, visibility_policy: e.visibility_policy });
        s.user_topics = rest.sort((a, b) => a.stream_id - b.stream_id || a.topic_name.localeCompare(b.topic_name));
      }
      return true;
    }
    return false;
  },
};
