import type { Command } from "../commands.ts";
import { cliDeps } from "../shared.ts";
import { UsageError } from "../args.ts";
import { createInviteLink, inviteByEmail } from "../../actions/invites.ts";
import { realmForSubdomain } from "../../actions/realms.ts";
import { userWithEmail } from "../../actions/users.ts";
import { ROLE_NAMES } from "../../domain/roles.ts";
import { ApiError } from "../../domain/errors.ts";

export const inviteCreateCommand: Command = {
  name: "invite create",
  usage: "invite create --by ADMIN_EMAIL [--email E | --link] [--role member|guest|…] [--expires-minutes N] [--realm SUB]",
  summary: "Create an email invitation or a reusable invite link and print the join link (email delivery comes later).",
  valueFlags: ["by", "email", "role", "expires-minutes", "realm"],
  booleanFlags: ["link", "json"],
  maxPositional: 0,
  async run(args, io) {
    if (typeof args.flags.by !== "string") throw new UsageError("--by (the inviting user's email) is required");
    if (!args.flags.link && typeof args.flags.email !== "string") throw new UsageError("give --email or --link");
    const role = ROLE_NAMES[(typeof args.flags.role === "string" ? args.flags.role : "member").toLowerCase()];
    if (role === undefined) throw new UsageError("unknown role");
    const deps = await cliDeps(args);
    try {
      const realm = await realmForSubdomain(deps, typeof args.flags.realm === "string" ? args.flags.realm : "");
      const by = realm && (await userWithEmail(deps, realm.id, args.flags.by));
      if (!realm || !by) {
        io.err("hearth invite create: no such organization or inviting user");
        return 1;
      }
      const expiresInMinutes = typeof args.flags["expires-minutes"] === "string" ? Number(args.flags["expires-minutes"]) : undefined;
      const link = args.flags.link
        ? await createInviteLink(deps, by, { role, expiresInMinutes })
        : (await inviteByEmail(deps, by, [args.flags.email as string], { role, expiresInMinutes }))[0]!.link;
      io.out(args.flags.json ? JSON.stringify({ invite_link: link }) : link);
      return 0;
    } catch (e) {
      if (e instanceof ApiError) {
        io.err(`hearth invite create: ${e.message}`);
        return 1;
      }
      throw e;
    } finally {
      await deps.close();
    }
  },
};
