// Every API area registers here: one line per module (the merge point for new areas).
import type { ApiRouter } from "../router.ts";
import { registerServerRoutes } from "./server.ts";
import { registerUserRoutes } from "./users.ts";
import { registerAuthRoutes } from "./auth.ts";
import { registerBotRoutes } from "./bots.ts";
import { registerRealmRoutes } from "./realm.ts";
import { registerInviteRoutes } from "./invites.ts";
import { registerPresenceRoutes } from "./presence.ts";
import { registerTypingRoutes } from "./typing.ts";
import { registerUserGroupRoutes } from "./user-groups.ts";
import { registerPersonalRoutes } from "./personal.ts";
import { registerRealmExtrasRoutes } from "./realm-extras.ts";
import { registerEventRoutes } from "./events.ts";
import { registerStreamRoutes } from "./streams.ts";
import { registerMessageRoutes } from "./messages.ts";

export function registerApiRoutes(r: ApiRouter) {
  registerServerRoutes(r);
  registerAuthRoutes(r);
  registerUserRoutes(r);
  registerBotRoutes(r);
  registerRealmRoutes(r);
  registerInviteRoutes(r);
  registerPresenceRoutes(r);
  registerTypingRoutes(r);
  registerUserGroupRoutes(r);
  registerPersonalRoutes(r);
  registerRealmExtrasRoutes(r);
  registerEventRoutes(r);
  registerStreamRoutes(r);
  registerMessageRoutes(r);
}
