// Bots: created by members the realm allows (never by bots or guests), owned by their
// creator; only the owner and admins see a bot's API key.
import { inTx } from "./tx.ts";
import type { ActionDeps } from "./deps.ts";
import { realmById, type RealmRow } from "../db/repo/realms.ts";
import { updateUser, userById, usersInRealm, type UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";
import { isAdminRole, Role } from "../domain/roles.ts";
import { isFullMember, realmSettings } from "../domain/realm-settings.ts";
import { validateFullName } from "../domain/validate.ts";
import { createUser } from "./users.ts";
import { botDict } from "./user-objects.ts";
import { audit, AuditEvent } from "./audit.ts";
import { botServicesOf, insertBotService } from "../db/repo/bots.ts";

export const BOT_TYPES = [1, 2, 3] as const;

/** Zulip's bot_creation_policy: 1 everyone, 2 generic bots admins only, 3 admins only. */
export function canCreateBot(realm: RealmRow, user: UserRow, botType: number, now: Date): boolean {
  if (user.isBot || user.role === Role.GUEST || !user.isActive) return false;
  if (isAdminRole(user.role)) return true;
  const s = realmSettings(realm.settings);
  if (s.bot_creation_policy === 3) return false;
  if (s.bot_creation_policy === 2 && botType === 1) return false;
  void isFullMember(s, user.dateJoined, now);
  return true;
}

export function botEmail(shortName: string, realm: RealmRow, externalHost: string): string {
  const host = (realm.stringId ? `${realm.stringId}.${externalHost}` : externalHost).replace(/:\d+$/, "") || "localhost";
  return `${shortName}-bot@${host.includes(".") ? host : host + ".local"}`;
}

export async function createBot(
  deps: ActionDeps,
  actor: UserRow,
  input: { fullName: string; shortName: string; botType?: number; payloadUrl?: string; interfaceType?: number },
): Promise<UserRow> {
  const botType = input.botType ?? 1;
  if (!(BOT_TYPES as readonly number[]).includes(botType)) throw errors.invalid("bot_type", "Invalid bot type");
  if (actor.isBot) throw errors.badRequest("Bots cannot create bots.");
  const realm = await realmById(deps.store, actor.realmId);
  if (!realm || !canCreateBot(realm, actor, botType, deps.now())) throw errors.badRequest("Must be an organization administrator");
  const short = input.shortName.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]{0,40}$/.test(short)) throw errors.invalid("short_name", "Bad name or username");
  validateFullName(input.fullName);
  // Outgoing-webhook bots (type 3) need the URL their messages are POSTed to (Zulip: payload_url).
  const service = botType === 3 ? validService(input.payloadUrl, input.interfaceType) : null;
  // createUser's transaction joins this one: the bot and its service commit together.
  return inTx(deps, async (tx) => {
    const bot = await createUser(deps, {
      realmId: realm.id,
      email: botEmail(short, realm, deps.config.externalHost),
      fullName: input.fullName,
      isBot: true,
      botType,
      botOwnerId: actor.id,
      role: Role.MEMBER,
      actorId: actor.id,
    });
    if (service) await insertBotService(tx, { botUserId: bot.id, baseUrl: service.url, token: randomToken(), interface: service.iface });
    return bot;
  });
}

function validService(payloadUrl: string | undefined, interfaceType: number | undefined): { url: string; iface: number } {
  if (!payloadUrl) throw errors.missing("payload_url");
  let u: URL;
  try {
    u = new URL(payloadUrl);
  } catch {
    throw errors.invalid("payload_url", "payload_url is not a URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw errors.invalid("payload_url", "payload_url is not a URL");
  const iface = interfaceType ?? 1;
  if (iface !== 1 && iface !== 2) throw errors.invalid("interface_type", "Invalid interface type");
  return { url: u.toString(), iface };
}

function randomToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
}

/** GET /bots: all bots for admins, one's own for everybody else; keys included (the audience may see them). */
export async function listBots(deps: ActionDeps, viewer: UserRow): Promise<Record<string, unknown>[]> {
  if (viewer.isBot) return [];
  const all = (await usersInRealm(deps.store, viewer.realmId)).filter((u) => u.isBot);
  const visible = all.filter((b) => isAdminRole(viewer.role) || b.botOwnerId === viewer.id);
  const services = await botServicesOf(deps.store, visible.filter((b) => b.botType === 3).map((b) => b.id));
  return visible.map((b) => {
    const s = services.get(b.id);
    const d = botDict(deps, b);
    return s ? { ...d, services: [{ base_url: s.baseUrl, interface: s.interface, token: s.token }] } : d;
  });
}

/** PATCH /bots/{id}: owner or admin; only admins may hand a bot to another owner. */
export async function updateBot(deps: ActionDeps, actor: UserRow, botId: number, input: { fullName?: string; botOwnerId?: number }): Promise<void> {
  const bot = await userById(deps.store, botId);
  if (!bot || !bot.isBot || bot.realmId !== actor.realmId) throw errors.badRequest("No such bot");
  if (actor.isBot || (bot.botOwnerId !== actor.id && !isAdminRole(actor.role))) throw errors.badRequest("Insufficient permission");
  const { updateUserByAdmin } = await import("./users.ts");
  if (input.fullName !== undefined) {
    // The owner may rename their bot without being an admin: act as the operator for the rename only.
    await updateUserByAdmin(deps, null, bot.id, { fullName: input.fullName });
  }
  if (input.botOwnerId !== undefined && input.botOwnerId !== bot.botOwnerId) {
    if (!isAdminRole(actor.role) && bot.botOwnerId !== actor.id) throw errors.badRequest("Insufficient permission");
    await inTx(deps, async (tx) => {
      const owner = await userById(tx, input.botOwnerId!);
      if (!owner || owner.realmId !== bot.realmId || !owner.isActive || owner.isBot) throw errors.badRequest("Failed to change owner, no such user");
      await updateUser(tx, bot.id, { botOwnerId: owner.id });
      await audit(tx, deps, { realmId: bot.realmId, actorId: actor.id, targetUserId: bot.id, eventType: AuditEvent.BOT_OWNER_CHANGED, extra: { old_value: bot.botOwnerId, new_value: owner.id } });
      const viewers = (await usersInRealm(tx, bot.realmId)).filter((u) => u.isActive && !u.isBot);
      const admins = viewers.filter((v) => isAdminRole(v.role)).map((v) => v.id);
      // The previous owner loses sight of the bot (and its key); the new owner gains it.
      const prev = bot.botOwnerId;
      if (prev && !admins.includes(prev)) tx.notify({ type: "realm_bot", op: "delete", bot: { user_id: bot.id } }, [prev], bot.realmId);
      if (!admins.includes(owner.id)) tx.notify({ type: "realm_bot", op: "add", bot: botDict(deps, { ...bot, botOwnerId: owner.id }) }, [owner.id], bot.realmId);
      tx.notify({ type: "realm_bot", op: "update", bot: { user_id: bot.id, owner_id: owner.id } }, [...admins, owner.id].filter((id, i, a) => a.indexOf(id) === i && (admins.includes(id) || id === owner.id)).filter((id) => admins.includes(id)), bot.realmId);
      tx.notify({ type: "realm_user", op: "update", person: { user_id: bot.id, bot_owner_id: owner.id } }, viewers.map((v) => v.id), bot.realmId);
    });
  }
}
