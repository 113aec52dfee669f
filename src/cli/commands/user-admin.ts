// `hearth user deactivate|reactivate|set-role|reset-password|list|set-can-forge-sender`,
// `hearth realm deactivate`, `hearth invite create`, `hearth audit list`: for the
// operator with shell access and no browser. The operator acts as nobody (actor null):
// every rule still holds except the admin/owner checks (the last owner stays protected).
import type { Command } from "../commands.ts";
import { cliDeps } from "../shared.ts";
import { UsageError } from "../args.ts";
import { deactivateUser, reactivateUser, setCanForgeSender, setPassword, updateUserByAdmin } from "../../actions/users.ts";
import { deactivateRealm } from "../../actions/realms.ts";
import { auditJson, listAudit } from "../../actions/audit.ts";
import { realmForSubdomain } from "../../actions/realms.ts";
import { userWithEmail, realmUsersForOperator } from "../../actions/users.ts";
import { ROLE_NAMES } from "../../domain/roles.ts";
import { ApiError } from "../../domain/errors.ts";
import type { ParsedArgs } from "../args.ts";
import type { CliIo } from "../index.ts";

type Deps = Awaited<ReturnType<typeof cliDeps>>;

async function withRealm(args: ParsedArgs, io: CliIo, fn: (deps: Deps, realmId: number) => Promise<number>): Promise<number> {
  const subdomain = typeof args.flags.realm === "string" ? args.flags.realm.toLowerCase() : "";
  const deps = await cliDeps(args);
  try {
    const realm = await realmForSubdomain(deps, subdomain);
    if (!realm) {
      io.err(`hearth: no organization with subdomain "${subdomain}"`);
      return 1;
    }
    return await fn(deps, realm.id);
  } catch (e) {
    if (e instanceof ApiError) {
      io.err(`hearth: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await deps.close();
  }
}

async function target(deps: Deps, realmId: number, args: ParsedArgs) {
  const email = args.flags.email;
  if (typeof email !== "string") throw new UsageError("--email is required");
  const u = await userWithEmail(deps, realmId, email);
  if (!u) throw new ApiError("BAD_REQUEST", `no user ${email}`);
  return u;
}

const simple = (name: string, summary: string, run: (deps: Deps, userId: number, args: ParsedArgs) => Promise<string>): Command => ({
  name,
  usage: `${name} --email E [--realm SUB]`,
  summary,
  valueFlags: ["email", "realm"],
  maxPositional: 0,
  run: (args, io) => withRealm(args, io, async (deps, realmId) => {
    const u = await target(deps, realmId, args);
    io.out(await run(deps, u.id, args));
    return 0;
  }),
});

export const userDeactivateCommand = simple("user deactivate", "Deactivate a user (and their bots); their sessions and API keys stop working at once.", async (deps, id) => {
  await deactivateUser(deps, null, id);
  return "deactivated";
});

export const userReactivateCommand = simple("user reactivate", "Reactivate a deactivated user (their bots stay deactivated).", async (deps, id) => {
  await reactivateUser(deps, null, id);
  return "reactivated";
});

export const userSetRoleCommand: Command = {
  name: "user set-role",
  usage: "user set-role --email E --role owner|admin|moderator|member|guest [--realm SUB]",
  summary: "Change a user's role (the last owner cannot be demoted).",
  valueFlags: ["email", "realm", "role"],
  maxPositional: 0,
  run: (args, io) => withRealm(args, io, async (deps, realmId) => {
    const role = typeof args.flags.role === "string" ? ROLE_NAMES[args.flags.role.toLowerCase()] : undefined;
    if (role === undefined) throw new UsageError("--role must be owner, admin, moderator, member or guest");
    const u = await target(deps, realmId, args);
    await updateUserByAdmin(deps, null, u.id, { role });
    io.out(`${u.email} is now ${args.flags.role}`);
    return 0;
  }),
};

export const userResetPasswordCommand: Command = {
  name: "user reset-password",
  usage: "user reset-password --email E [--password P | --password-stdin] [--realm SUB]",
  summary: "Set a new password and end the user's web sessions.",
  valueFlags: ["email", "realm", "password"],
  booleanFlags: ["password-stdin"],
  maxPositional: 0,
  run: (args, io) => withRealm(args, io, async (deps, realmId) => {
    let pw = typeof args.flags.password === "string" ? args.flags.password : null;
    if (args.flags["password-stdin"]) pw = (await io.readStdin()).replace(/\r?\n$/, "");
    if (!pw) throw new UsageError("give --password or --password-stdin");
    const u = await target(deps, realmId, args);
    await setPassword(deps, null, u.id, pw);
    io.out(`password changed for ${u.email}`);
    return 0;
  }),
};

export const userSetCanForgeSenderCommand: Command = {
  name: "user set-can-forge-sender",
  usage: "user set-can-forge-sender --email E --value true|false [--realm SUB]",
  summary: "Let a bot send messages as other users (Zulip's API super user). CLI only.",
  valueFlags: ["email", "realm", "value"],
  maxPositional: 0,
  run: (args, io) => withRealm(args, io, async (deps, realmId) => {
    const v = args.flags.value;
    if (v !== "true" && v !== "false") throw new UsageError("--value must be true or false");
    const u = await target(deps, realmId, args);
    await setCanForgeSender(deps, u.id, v === "true");
    io.out(`can_forge_sender=${v} for ${u.email}`);
    return 0;
  }),
};

export const userListCommand: Command = {
  name: "user list",
  usage: "user list [--realm SUB] [--json]",
  summary: "List the users of an organization.",
  valueFlags: ["realm"],
  booleanFlags: ["json"],
  maxPositional: 0,
  run: (args, io) => withRealm(args, io, async (deps, realmId) => {
    const users = await realmUsersForOperator(deps, realmId);
    const names = Object.fromEntries(Object.entries(ROLE_NAMES).filter(([k]) => k !== "administrator").map(([k, v]) => [v, k]));
    if (args.flags.json) {
      io.out(JSON.stringify(users.map((u) => ({ user_id: u.id, email: u.email, full_name: u.fullName, role: u.role, is_active: u.isActive, is_bot: u.isBot }))));
    } else {
      for (const u of users) io.out(`${u.id}\t${u.email}\t${names[u.role] ?? u.role}\t${u.isActive ? "active" : "deactivated"}${u.isBot ? "\tbot" : ""}\t${u.fullName}`);
    }
    return 0;
  }),
};

export const realmDeactivateCommand: Command = {
  name: "realm deactivate",
  usage: "realm deactivate [--subdomain SUB] --yes",
  summary: "Deactivate an organization: every request to it is refused (401 REALM_DEACTIVATED).",
  valueFlags: ["subdomain"],
  booleanFlags: ["yes"],
  maxPositional: 0,
  async run(args, io) {
    if (!args.flags.yes) throw new UsageError("this refuses every request of the organization; confirm with --yes");
    const sub = typeof args.flags.subdomain === "string" ? args.flags.subdomain : "";
    return withRealm({ ...args, flags: { ...args.flags, realm: sub } }, io, async (deps, realmId) => {
      await deactivateRealm(deps, realmId);
      io.out("organization deactivated");
      return 0;
    });
  },
};

export const auditListCommand: Command = {
  name: "audit list",
  usage: "audit list [--realm SUB] [--limit N] [--json]",
  summary: "Show the organization's audit log, newest first.",
  valueFlags: ["realm", "limit"],
  booleanFlags: ["json"],
  maxPositional: 0,
  run: (args, io) => withRealm(args, io, async (deps, realmId) => {
    const rows = (await listAudit(deps, null, realmId, { limit: Number(args.flags.limit ?? 50) })).map(auditJson);
    if (args.flags.json) io.out(JSON.stringify(rows));
    else for (const r of rows) io.out(`${new Date(r.event_time * 1000).toISOString()}\t${r.event_type}\tactor=${r.acting_user_id ?? "-"}\ttarget=${r.modified_user_id ?? "-"}\t${JSON.stringify(r.extra_data)}`);
    return 0;
  }),
};
