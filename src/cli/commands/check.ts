import type { Command } from "../commands.ts";
import { cliDeps, configFromArgs } from "../shared.ts";
import { UsageError } from "../args.ts";
import { createUser } from "../../actions/users.ts";
import { subscribe } from "../../actions/streams.ts";
import { realmForSubdomain } from "../../actions/realms.ts";
import { userWithEmail } from "../../actions/users.ts";
import { checkBackups, checkQueues, checkSendReceive, UNKNOWN, type Bot } from "../../ops/check.ts";
import { backupDirOf } from "../../ops/backup/schedule.ts";
import type { Config } from "../../config/definition.ts";
import type { ActionDeps } from "../../actions/deps.ts";

const SENDER = "check-send-bot@hearth.invalid";
const RECEIVER = "check-receive-bot@hearth.invalid";
/** Zulip keeps its check bots in a monitoring stream; ours is private so nobody else sees it. */
export const MONITORING_STREAM = "hearth-monitoring";

function num(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number`);
  return n;
}

function localUrl(config: Config) {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`;
}

/** The two monitoring bots, created on first use (the check runs on the server's host, with its configuration). */
export async function monitoringBots(deps: ActionDeps, subdomain: string): Promise<[Bot, Bot]> {
  const realm = await realmForSubdomain(deps, subdomain);
  if (!realm) throw new UsageError(`no organization with subdomain "${subdomain}"`);
  const bots: Bot[] = [];
  for (const [email, name] of [[SENDER, "Check sender"], [RECEIVER, "Check receiver"]] as const) {
    const u = (await userWithEmail(deps, realm.id, email)) ?? (await createUser(deps, { realmId: realm.id, email, fullName: name, isBot: true, botType: 1 }));
    bots.push({ email: u.email, apiKey: u.apiKey, userId: u.id });
  }
  // Created by the sender on first use; afterwards the sender is a member and the call is a no-op.
  const sender = (await userWithEmail(deps, realm.id, SENDER))!;
  await subscribe(deps, sender, {
    streams: [{ name: MONITORING_STREAM, description: "Hearth's end-to-end delivery check (`hearth check`)" }],
    principals: bots.map((b) => b.userId),
    authorizationErrorsFatal: false,
    inviteOnly: true,
    isWebPublic: false,
    isDefaultStream: false,
  });
  return [bots[0]!, bots[1]!];
}

export const checkCommand: Command = {
  name: "check",
  usage: "check [--url URL] [--realm SUB] [--warning S] [--critical S] | check --queues | check --backups [--dir D]",
  summary: "Nagios-style health probes: end-to-end message delivery (default), job queues, backup age. Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
  help: [
    "Default: two bots (created on first use) exchange a direct message through the HTTP API and the event",
    "long-poll, like Zulip's check_send_receive_time; thresholds in seconds (default 3 and 6).",
    "--queues reads the job metrics from /metrics (thresholds on the oldest pending job, default 60 and 300 s; any dead job warns).",
    "--backups checks the newest archive in HEARTH_BACKUP_DIR (thresholds in hours, default 26 and 50).",
    "--url defaults to the local server (HOST:PORT); --realm selects an organization on a subdomain.",
  ].join("\n"),
  valueFlags: ["url", "realm", "warning", "critical", "dir"],
  booleanFlags: ["queues", "backups"],
  maxPositional: 0,
  async run(args, io) {
    const config = configFromArgs(args);
    const url = typeof args.flags.url === "string" ? args.flags.url : localUrl(config);
    if (args.flags.queues && args.flags.backups) throw new UsageError("give --queues or --backups, not both");
    let r;
    if (args.flags.backups) {
      const dir = typeof args.flags.dir === "string" ? args.flags.dir : backupDirOf(config);
      r = checkBackups({ dir, warningHours: num(args.flags.warning, "warning", 26), criticalHours: num(args.flags.critical, "critical", 50) });
    } else if (args.flags.queues) {
      r = await checkQueues({ url, token: config.metricsToken, warning: num(args.flags.warning, "warning", 60), critical: num(args.flags.critical, "critical", 300) });
    } else {
      const subdomain = typeof args.flags.realm === "string" ? args.flags.realm.toLowerCase() : "";
      let bots: [Bot, Bot];
      const deps = await cliDeps(args);
      try {
        bots = await monitoringBots(deps, subdomain);
      } catch (e) {
        io.out(`UNKNOWN: cannot prepare the monitoring bots: ${(e as Error).message}`);
        return UNKNOWN;
      } finally {
        await deps.close();
      }
      r = await checkSendReceive({
        url,
        host: subdomain ? `${subdomain}.${config.externalHost}` : undefined,
        sender: bots[0], recipient: bots[1],
        warning: num(args.flags.warning, "warning", 3), critical: num(args.flags.critical, "critical", 6),
      });
    }
    io.out(r.line);
    return r.code;
  },
};
