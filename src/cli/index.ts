// `hearth <command>`: one module per command; every command answers --help.
import { parseArgs, UsageError } from "./args.ts";
import { ConfigError } from "../config/load.ts";
import { ApiError } from "../domain/errors.ts";
import { SchemaTooNewError } from "../db/migrate.ts";
import { SqliteLockedError } from "../db/client.ts";
import { commands, type Command } from "./commands.ts";
import { HEARTH_VERSION } from "../lib/version.ts";

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  readStdin(): Promise<string>;
}

export const defaultIo: CliIo = {
  out: (s) => process.stdout.write(s + "\n"),
  err: (s) => process.stderr.write(s + "\n"),
  readStdin: async () => await Bun.stdin.text(),
};

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `hearth ${HEARTH_VERSION}: a Zulip-compatible team chat server`,
    "",
    "Usage: hearth <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `hearth <command> --help` for a command's options.",
  ].join("\n");
}

function commandHelp(c: Command): string {
  return [`Usage: hearth ${c.usage}`, "", c.summary, ...(c.help ? ["", c.help] : [])].join("\n");
}

/** Finds the longest command name matching the leading words ("user create" before "user"). */
function findCommand(words: string[]): { cmd: Command; rest: string[] } | null {
  let best: { cmd: Command; rest: string[] } | null = null;
  for (const c of commands) {
    const parts = c.name.split(" ");
    if (parts.every((p, i) => words[i] === p) && (!best || parts.length > best.cmd.name.split(" ").length)) {
      best = { cmd: c, rest: words.slice(parts.length) };
    }
  }
  return best;
}

export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number | "running"> {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith("-")) break;
    words.push(a);
  }
  if (words.length === 0) {
    if (argv.includes("--version")) return (io.out(HEARTH_VERSION), 0);
    io.out(helpText());
    return argv.includes("--help") || argv.includes("-h") ? 0 : 2;
  }
  if (words[0] === "help") {
    const found = findCommand(words.slice(1));
    io.out(found && words.length > 1 ? commandHelp(found.cmd) : helpText());
    return 0;
  }
  const found = findCommand(words);
  if (!found) {
    io.err(`hearth: unknown command "${words.join(" ")}". Run \`hearth help\`.`);
    return 2;
  }
  const { cmd } = found;
  const tail = argv.slice(cmd.name.split(" ").length);
  try {
    const args = parseArgs(tail, cmd.booleanFlags ?? [], [...(cmd.valueFlags ?? []), "config", "data-dir"]);
    if (args.flags.help) {
      io.out(commandHelp(cmd));
      return 0;
    }
    if (cmd.maxPositional !== undefined && args.positional.length > cmd.maxPositional) {
      throw new UsageError(`unexpected argument "${args.positional[cmd.maxPositional]}"`);
    }
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`hearth ${cmd.name}: ${e.message}\nUsage: hearth ${cmd.usage}`);
      return 2;
    }
    if (e instanceof ConfigError) {
      io.err(`hearth: configuration error: ${e.message}`);
      return 2;
    }
    if (e instanceof ApiError || e instanceof SchemaTooNewError || e instanceof SqliteLockedError) {
      io.err(`hearth ${cmd.name}: ${e.message}`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err?.code === "ECONNREFUSED" || /ECONNREFUSED|getaddrinfo|password authentication failed|does not exist/.test(String(err?.message))) {
      io.err(`hearth ${cmd.name}: cannot reach the database: ${err.message}`);
      return 1;
    }
    io.err(`hearth ${cmd.name}: ${err?.stack ?? String(e)}`);
    return 1;
  }
}
