// Streams (channels), subscriptions, default streams, topics and user topics.
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { check, type Params } from "../params.ts";
import { errors } from "../../domain/errors.ts";
import {
  archiveStream, getStream, getStreamId, isSubscribed, getStreamMembers, getSubscriptions, listStreams, patchStream, setDefaultStream,
  setTopicVisibility, subscribe, unsubscribe, updateSubscriptionProperties,
} from "../../actions/streams.ts";
import { deleteTopic, streamTopics } from "../../actions/topics.ts";

const pathInt = (ctx: AuthedCtx, index: number) => {
  const parts = ctx.url.pathname.replace(/^\/(api\/v1|json)/, "").split("/").filter(Boolean);
  const n = Number(parts[index]);
  if (!Number.isSafeInteger(n)) throw errors.invalid("stream_id", "Invalid channel ID");
  return n;
};

/** A JSON list, or (zulip-js DELETE quirk) a comma-separated string. */
function lenientList(p: Params, name: string, optional = false): (string | number)[] | undefined {
  const raw = p.raw(name);
  if (raw === undefined) {
    if (optional) return undefined;
    throw errors.missing(name);
  }
  try {
    const v = JSON.parse(raw);
    if (Array.isArray(v)) return v as (string | number)[];
    if (typeof v === "string" || typeof v === "number") return [v];
  } catch {}
  return raw.split(",").map((s) => s.trim()).filter(Boolean);
}

export function registerStreamRoutes(r: ApiRouter) {
  r.get("/users/me/subscriptions", async (ctx: AuthedCtx) => ({
    subscriptions: await getSubscriptions(ctx.deps, ctx.user, ctx.params.bool("include_subscribers", false)),
  }));

  r.post("/users/me/subscriptions", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    const subs = p.json("subscriptions", (v, n) => {
      if (!Array.isArray(v)) throw errors.invalid(n, `${n} is not a list`);
      return v.map((x) => {
        if (typeof x === "string") return { name: x };
        const o = check.object(x, n);
        if (typeof o.name !== "string") throw errors.invalid(`${n}[0]["name"]`, "Channel name is not a string");
        return { name: o.name, description: typeof o.description === "string" ? o.description : undefined };
      });
    });
    const policy = p.int("stream_post_policy", { optional: true });
    const retention = p.raw("message_retention_days");
    return subscribe(ctx.deps, ctx.user, {
      streams: subs,
      principals: lenientList(p, "principals", true),
      authorizationErrorsFatal: p.bool("authorization_errors_fatal", true),
      inviteOnly: p.bool("invite_only", false),
      historyPublicToSubscribers: p.bool("history_public_to_subscribers", null) ?? undefined,
      isWebPublic: p.bool("is_web_public", false),
      isDefaultStream: p.bool("is_default_stream", false),
      postPolicy: policy,
      messageRetentionDays: retention === undefined || retention === '"realm_default"' || retention === "realm_default" ? undefined : retention === '"unlimited"' || retention === "unlimited" ? -1 : Number(retention),
    }).then((out) => {
      p.markUsed("announce", "can_add_subscribers_group", "can_remove_subscribers_group", "can_administer_channel_group", "can_send_message_group");
      return { ...out, new_subscription_messages_sent: false };
    });
  });

  r.delete("/users/me/subscriptions", async (ctx: AuthedCtx) => {
    const names = lenientList(ctx.params, "subscriptions")!.map(String);
    return unsubscribe(ctx.deps, ctx.user, names, lenientList(ctx.params, "principals", true));
  });
  // Some clients (python's remove_subscriptions in old versions) PATCH with add/delete.
  r.patch("/users/me/subscriptions", async (ctx: AuthedCtx) => {
    const del = lenientList(ctx.params, "delete", true) ?? [];
    return del.length ? unsubscribe(ctx.deps, ctx.user, del.map(String)) : {};
  });

  r.post("/users/me/subscriptions/properties", async (ctx: AuthedCtx) => {
    const data = ctx.params.json("subscription_data", (v, n) => {
      if (!Array.isArray(v)) throw errors.invalid(n, `${n} is not a list`);
      return v.map((x) => {
        const o = check.object(x, n);
        if (!Number.isSafeInteger(o.stream_id) || typeof o.property !== "string") throw errors.invalid(n);
        return { stream_id: o.stream_id as number, property: o.property, value: o.value };
      });
    });
    return updateSubscriptionProperties(ctx.deps, ctx.user, data);
  });
  r.get("/streams", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    return {
      streams: await listStreams(ctx.deps, ctx.user, {
        includePublic: p.bool("include_public", true),
        includeWebPublic: p.bool("include_web_public", false),
        includeSubscribed: p.bool("include_subscribed", true),
        includeAll: p.bool("include_all", false) || p.bool("include_all_active", false),
        includeDefault: p.bool("include_default", false),
        includeOwnerSubscribed: p.bool("include_owner_subscribed", false),
        excludeArchived: p.bool("exclude_archived", true),
      }),
    };
  });
  r.get("/streams/:stream_id", async (ctx: AuthedCtx) => ({ stream: await getStream(ctx.deps, ctx.user, pathInt(ctx, 1)) }));
  r.get("/streams/:stream_id/members", async (ctx: AuthedCtx) => ({ subscribers: await getStreamMembers(ctx.deps, ctx.user, pathInt(ctx, 1)) }));
  r.get("/users/:user_id/subscriptions/:stream_id", async (ctx: AuthedCtx) => ({
    is_subscribed: await isSubscribed(ctx.deps, ctx.user, pathInt(ctx, 1), pathInt(ctx, 3)),
  }));
  r.get("/get_stream_id", async (ctx: AuthedCtx) => ({ stream_id: await getStreamId(ctx.deps, ctx.user, ctx.params.str("stream")) }));

  r.patch("/streams/:stream_id", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    const retention = p.raw("message_retention_days");
    return patchStream(ctx.deps, ctx.user, pathInt(ctx, 1), {
      newName: p.str("new_name", { optional: true }),
      description: p.str("description", { optional: true }),
      isPrivate: p.bool("is_private", null) ?? undefined,
      historyPublicToSubscribers: p.bool("history_public_to_subscribers", null) ?? undefined,
      isWebPublic: p.bool("is_web_public", null) ?? undefined,
      postPolicy: p.int("stream_post_policy", { optional: true }),
      isDefaultStream: p.bool("is_default_stream", null) ?? undefined,
      isArchived: p.bool("is_archived", null) ?? undefined,
      messageRetentionDays:
        retention === undefined ? undefined : /unlimited/.test(retention) ? -1 : /realm_default/.test(retention) ? null : Number(retention),
    });
  });
  r.delete("/streams/:stream_id", async (ctx: AuthedCtx) => archiveStream(ctx.deps, ctx.user, pathInt(ctx, 1)));

  r.post("/default_streams", async (ctx: AuthedCtx) => setDefaultStream(ctx.deps, ctx.user, ctx.params.int("stream_id"), true));
  r.delete("/default_streams", async (ctx: AuthedCtx) => setDefaultStream(ctx.deps, ctx.user, ctx.params.int("stream_id"), false));

  r.get("/users/me/:stream_id/topics", async (ctx: AuthedCtx) => ({
    topics: await streamTopics(ctx.deps, ctx.user, pathInt(ctx, 2), ctx.params.bool("allow_empty_topic_name", false)),
  }));
  r.post("/streams/:stream_id/delete_topic", async (ctx: AuthedCtx) =>
    deleteTopic(ctx.deps, ctx.realm, ctx.user, pathInt(ctx, 1), ctx.params.str("topic_name")),
  );

  r.post("/user_topics", async (ctx: AuthedCtx) =>
    setTopicVisibility(ctx.deps, ctx.user, ctx.params.int("stream_id"), ctx.params.str("topic"), ctx.params.int("visibility_policy")),
  );
  r.patch("/users/me/subscriptions/muted_topics", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    let sid = p.int("stream_id", { optional: true });
    if (sid === undefined) sid = await getStreamId(ctx.deps, ctx.user, p.str("stream"));
    const op = p.str("op");
    if (op !== "add" && op !== "remove") throw errors.invalid("op", "Invalid op");
    return setTopicVisibility(ctx.deps, ctx.user, sid, p.str("topic"), op === "add" ? 1 : 0);
  });
  // After muted_topics: the registry matches in order.
  r.patch("/users/me/subscriptions/:stream_id", async (ctx: AuthedCtx) => {
    const sid = pathInt(ctx, 3);
    const property = ctx.params.str("property");
    const value = ctx.params.json("value", check.any);
    return updateSubscriptionProperties(ctx.deps, ctx.user, [{ stream_id: sid, property, value }]);
  });

}
