// GENERATED from ../pg/ by scripts/db-generate.ts. Edit the pg/ copy, then run `npm run db:generate`.
// Outgoing-webhook bots' service (Zulip's Service model): where a bot's triggering
// messages are POSTed and the token sent with them. One row per bot (Zulip allows several
// services per bot in its model but the API creates exactly one).
import { table, int, str, primaryKey } from "./columns.ts";
import { users } from "./core.ts";

export const botServices = table(
  "bot_services",
  {
    botUserId: int("bot_user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    baseUrl: str("base_url").notNull(),
    token: str("token").notNull(),
    /** 1 generic (Zulip's payload), 2 Slack-compatible (not built: stored and reported only) */
    interface: int("interface").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.botUserId] })],
);
