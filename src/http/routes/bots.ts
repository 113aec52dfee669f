// Bots: POST/GET /bots, PATCH/DELETE /bots/{id}, key regeneration.
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { createBot, listBots, updateBot } from "../../actions/bots.ts";
import { deactivateUser, findUser, regenerateApiKey } from "../../actions/users.ts";
import { avatarUrl } from "../../domain/avatars.ts";
import { errors } from "../../domain/errors.ts";
import { check } from "../params.ts";

export function registerBotRoutes(r: ApiRouter) {
  r.post("/bots", async (ctx: AuthedCtx) => {
    const bot = await createBot(ctx.deps, ctx.user, {
      fullName: ctx.params.str("full_name"),
      shortName: ctx.params.str("short_name"),
      botType: ctx.params.json("bot_type", check.int, { optional: true }) ?? 1,
      payloadUrl: jsonOrPlainString(ctx.params.str("payload_url", { optional: true })),
      interfaceType: ctx.params.json("interface_type", check.int, { optional: true }),
    });
    return {
      user_id: bot.id,
      api_key: bot.apiKey,
      avatar_url: avatarUrl(ctx.deps.config, bot, false),
      default_sending_stream: null,
      default_events_register_stream: null,
      default_all_public_streams: false,
    };
  });

  r.get("/bots", async (ctx: AuthedCtx) => ({ bots: await listBots(ctx.deps, ctx.user) }));

  r.patch("/bots/:bot_id", async (ctx: AuthedCtx) => {
    const bot = await findBot(ctx);
    await updateBot(ctx.deps, ctx.user, bot.id, {
      fullName: ctx.params.str("full_name", { optional: true }),
      botOwnerId: ctx.params.json("bot_owner_id", check.int, { optional: true }),
    });
    return {};
  });

  r.delete("/bots/:bot_id", async (ctx: AuthedCtx) => {
    const bot = await findBot(ctx);
    await deactivateUser(ctx.deps, ctx.user, bot.id);
    return {};
  });

  r.post("/bots/:bot_id/api_key/regenerate", async (ctx: AuthedCtx) => {
    const bot = await findBot(ctx);
    return { api_key: await regenerateApiKey(ctx.deps, ctx.user, bot.id) };
  });
}

async function findBot(ctx: AuthedCtx) {
  const bot = await findUser(ctx.deps, ctx.realm.id, ctx.c.req.param("bot_id")!).catch(() => null);
  if (!bot?.isBot) throw errors.badRequest("No such bot");
  return bot;
}

/** Zulip declares payload_url as Json[str]; plain strings are accepted too. */
function jsonOrPlainString(raw: string | undefined): string | undefined {
  if (raw === undefined || !raw.startsWith('"')) return raw;
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === "string" ? v : raw;
  } catch {
    return raw;
  }
}
