import type { ParsedArgs } from "./args.ts";
import type { CliIo } from "./index.ts";
import { serveCommand } from "./commands/serve.ts";
import { migrateCommand, migrateStatusCommand } from "./commands/migrate.ts";
import { initCommand } from "./commands/init.ts";
import { versionCommand, configCommand } from "./commands/info.ts";
import { realmCreateCommand } from "./commands/realm.ts";
import { userCreateCommand } from "./commands/user.ts";
import { healthcheckCommand } from "./commands/healthcheck.ts";
import { checkCommand } from "./commands/check.ts";
import { backupCommand, backupVerifyCommand, restoreCommand } from "./commands/backup.ts";
import {
  auditListCommand, realmDeactivateCommand, userDeactivateCommand, userListCommand, userReactivateCommand,
  userResetPasswordCommand, userSetCanForgeSenderCommand, userSetRoleCommand,
} from "./commands/user-admin.ts";
import { inviteCreateCommand } from "./commands/invite.ts";
import { workerCommand, jobsListCommand, jobsRetryCommand, jobsPurgeCommand, scheduleListCommand } from "./commands/jobs.ts";

export interface Command {
  /** one or more words: "serve", "user create" */
  name: string;
  usage: string;
  summary: string;
  help?: string;
  booleanFlags?: string[];
  valueFlags?: string[];
  maxPositional?: number;
  /** exit code, or "running" for commands that keep the process alive (serve) */
  run(args: ParsedArgs, io: CliIo): Promise<number | "running">;
}

export const commands: Command[] = [
  serveCommand,
  migrateCommand,
  migrateStatusCommand,
  initCommand,
  versionCommand,
  configCommand,
  realmCreateCommand,
  userCreateCommand,
  healthcheckCommand,
  backupCommand,
  backupVerifyCommand,
  restoreCommand,
  checkCommand,
  userDeactivateCommand,
  userReactivateCommand,
  userSetRoleCommand,
  userResetPasswordCommand,
  userSetCanForgeSenderCommand,
  userListCommand,
  realmDeactivateCommand,
  inviteCreateCommand,
  auditListCommand,
  workerCommand, jobsListCommand, jobsRetryCommand, jobsPurgeCommand, scheduleListCommand,
];
