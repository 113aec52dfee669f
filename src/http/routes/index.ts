// Every API area registers here: one line per module (the merge point for new areas).
import type { ApiRouter } from "../router.ts";
import { registerServerRoutes } from "./server.ts";
import { registerUserRoutes } from "./users.ts";
import { registerStreamRoutes } from "./streams.ts";
import { registerMessageRoutes } from "./messages.ts";

export function registerApiRoutes(r: ApiRouter) {
  registerServerRoutes(r);
  registerUserRoutes(r);
  registerStreamRoutes(r);
  registerMessageRoutes(r);
}
