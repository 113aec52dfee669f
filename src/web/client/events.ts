// Real-time: POST /register, then long-poll GET /events with the last event id. A lost
// connection retries with the same queue and last_event_id (the server keeps the queue
// for ~10 minutes, so nothing is missed); BAD_EVENT_QUEUE_ID means the queue is gone:
// register again and reload the state and the current feed.
import { api, ApiFailure } from "./api.ts";
import { applyEvent, changed, loadSnapshot, openNarrow, state } from "./store.ts";

let queueId: string | null = null;
let lastEventId = -1;
let generation = 0;

export async function register() {
  const r = await api("POST", "/register", {
    apply_markdown: true,
    client_gravatar: false,
    slim_presence: true,
    include_subscribers: false,
    client_capabilities: { notification_settings_null: true, bulk_message_deletion: true, user_avatar_url_field_optional: false, stream_typing_notifications: true, user_settings_object: true, empty_topic_name: true },
    fetch_event_types: ["realm", "realm_user", "realm_bot", "subscription", "stream", "message", "update_message_flags", "recent_private_conversations", "presence", "user_settings", "realm_emoji", "typing"],
  });
  queueId = r.queue_id;
  lastEventId = r.last_event_id;
  loadSnapshot(r);
  return r;
}

function sleep(ms: number) {
  return new Promise((res) => setTimeout(res, ms));
}

/** Runs until the page unloads; `onReload` is called after a re-register. */
export async function pollForever(onReload: () => void) {
  const gen = ++generation;
  let failures = 0;
  while (gen === generation) {
    try {
      const r = await api("GET", "/events", { queue_id: queueId, last_event_id: lastEventId });
      failures = 0;
      if (state.connection !== "live") {
        state.connection = "live";
        changed();
      }
      for (const ev of r.events ?? []) {
        if (ev.id > lastEventId) lastEventId = ev.id;
        if (ev.type !== "heartbeat") applyEvent(ev);
      }
    } catch (e) {
      if (gen !== generation) return;
      const err = e as ApiFailure;
      if (err.code === "BAD_EVENT_QUEUE_ID") {
        // the queue expired or the server restarted without it: start over
        try {
          await register();
          await openNarrow(state.feed.narrow, "first_unread");
          onReload();
          continue;
        } catch {
          /* fall through to backoff */
        }
      }
      failures++;
      state.connection = failures > 3 ? "offline" : "reconnecting";
      changed();
      // 1 s, 2 s, 4 s … up to 30 s, with jitter so a restarted server is not stampeded
      await sleep(Math.min(30000, 1000 * 2 ** Math.min(failures - 1, 5)) * (0.75 + Math.random() / 2));
    }
  }
}

export function stopPolling() {
  generation++;
}

export function currentQueue() {
  return { queueId, lastEventId };
}
