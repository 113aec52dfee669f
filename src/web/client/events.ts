// Real-time: POST /register, then the queue's events over the /ws WebSocket (the events
// area's protocol: attach with queue_id + last_event_id, events arrive one per frame,
// "ack" lets the server drop what we have), with long-poll GET /events as the fallback
// when a socket cannot be opened. Either way a lost connection re-attaches with the last
// event id, so nothing is missed; BAD_EVENT_QUEUE_ID (the queue is gone: idle GC or a
// restart) means register again and reload the state and the current feed.
import { api, ApiFailure } from "./api.ts";
import { applyEvent, changed, loadSnapshot, openNarrow, state } from "./store.ts";

let queueId: string | null = null;
let lastEventId = -1;
let generation = 0;
/** consecutive sockets that never attached; after 3, stay on long-poll */
let wsFailures = 0;

export async function register() {
  const r = await api("POST", "/register", {
    apply_markdown: true,
    client_gravatar: false,
    slim_presence: true,
    include_subscribers: false,
    client_capabilities: { notification_settings_null: true, bulk_message_deletion: true, user_avatar_url_field_optional: false, stream_typing_notifications: true, user_settings_object: true, empty_topic_name: true },
    fetch_event_types: ["realm", "realm_user", "realm_bot", "subscription", "stream", "message", "update_message_flags", "recent_private_conversations", "presence", "user_settings", "realm_emoji", "typing", "user_status", "realm_linkifiers"],
  });
  queueId = r.queue_id;
  lastEventId = r.last_event_id;
  state.connection = "live";
  loadSnapshot(r);
  return r;
}

function sleep(ms: number) {
  return new Promise((res) => setTimeout(res, ms));
}

function take(ev: any) {
  if (typeof ev.id === "number" && ev.id > lastEventId) lastEventId = ev.id;
  if (ev.type !== "heartbeat") applyEvent(ev);
}

function setConnection(c: typeof state.connection) {
  if (state.connection !== c) {
    state.connection = c;
    changed();
  }
}

class QueueGone extends Error {}

/** One WebSocket session; resolves when it closes. Rejects with QueueGone on BAD_EVENT_QUEUE_ID. */
function socketSession(gen: number): Promise<{ attached: boolean }> {
  return new Promise((resolve, reject) => {
    const url = new URL("/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("queue_id", queueId!);
    url.searchParams.set("last_event_id", String(lastEventId));
    let attached = false;
    let gone = false;
    let ackTimer: ReturnType<typeof setTimeout> | undefined;
    const ws = new WebSocket(url);
    const ack = () => {
      clearTimeout(ackTimer);
      ackTimer = setTimeout(() => ws.readyState === 1 && ws.send(JSON.stringify({ op: "ack", last_event_id: lastEventId })), 1000);
    };
    ws.onmessage = (m) => {
      if (gen !== generation) return ws.close();
      let msg: any;
      try {
        msg = JSON.parse(String(m.data));
      } catch {
        return;
      }
      // control replies carry "op" and no "type"; events always have a "type" (and may have an "op")
      if (msg.type === undefined && msg.op === "attach") {
        if (msg.result === "success") {
          attached = true;
          wsFailures = 0;
          setConnection("live");
        } else if (msg.code === "BAD_EVENT_QUEUE_ID") gone = true;
        return;
      }
      if (msg.type === undefined) {
        if (msg.code === "BAD_EVENT_QUEUE_ID") gone = true;
        return;
      }
      take(msg);
      ack();
    };
    ws.onclose = (e) => {
      clearTimeout(ackTimer);
      if (gone || e.code === 4000) reject(new QueueGone());
      else resolve({ attached });
    };
  });
}

async function reRegister(onReload: () => void) {
  await register();
  await openNarrow(state.feed.narrow, "first_unread");
  onReload();
}

/** Runs until the page unloads; `onReload` is called after a re-register. */
export async function pollForever(onReload: () => void) {
  const gen = ++generation;
  let failures = 0;
  while (gen === generation) {
    let socketFailed = false;
    try {
      if (typeof WebSocket !== "undefined" && wsFailures < 3) {
        const { attached } = await socketSession(gen);
        if (attached) {
          failures = 0;
          setConnection("reconnecting");
          continue; // re-attach at once; the queue kept everything since lastEventId
        }
        socketFailed = true;
      }
      // Long-poll: the fallback, and the way to learn why a socket could not attach.
      const r = await api("GET", "/events", { queue_id: queueId, last_event_id: lastEventId });
      // the server answers but sockets do not get through (a proxy?): count it
      if (socketFailed) wsFailures++;
      failures = 0;
      setConnection("live");
      for (const ev of r.events ?? []) take(ev);
      continue;
    } catch (e) {
      if (gen !== generation) return;
      if (e instanceof QueueGone || (e as ApiFailure).code === "BAD_EVENT_QUEUE_ID") {
        try {
          await reRegister(onReload);
          failures = 0;
          continue;
        } catch {
          /* the server is still away: back off below */
        }
      }
      failures++;
      setConnection(failures > 3 ? "offline" : "reconnecting");
      // 1 s, 2 s, 4 s … up to 30 s, with jitter so a restarted server is not stampeded
      await sleep(Math.min(30000, 1000 * 2 ** Math.min(failures - 1, 5)) * (0.75 + Math.random() / 2));
    }
  }
}

export function stopPolling() {
  generation++;
}
