import type { Command } from "../commands.ts";
import { configFromArgs, openCliStore } from "../shared.ts";
import { migrate, migrationStatus, knownMigrations } from "../../db/migrate.ts";

const open = (args: Parameters<Command["run"]>[0]) => openCliStore(configFromArgs(args));

export const migrateCommand: Command = {
  name: "migrate",
  usage: "migrate [status]",
  summary: "Apply pending database migrations (under a lock; safe while other nodes start).",
  maxPositional: 0,
  async run(args, io) {
    const store = await open(args);
    try {
      const applied = await migrate(store, (m) => io.out(m));
      io.out(applied.length ? `${applied.length} migration(s) applied to ${store.description}` : `${store.description} is up to date`);
      return 0;
    } finally {
      await store.close();
    }
  },
};

export const migrateStatusCommand: Command = {
  name: "migrate status",
  usage: "migrate status [--json]",
  summary: "List applied and pending migrations; run it before an upgrade to see what will change.",
  booleanFlags: ["json"],
  maxPositional: 0,
  async run(args, io) {
    const store = await open(args);
    try {
      const st = await migrationStatus(store);
      if (args.flags.json) {
        io.out(JSON.stringify({ database: store.kind, ...st, known: knownMigrations(store.kind).map((m) => m.id) }));
      } else {
        io.out(`database: ${store.description}`);
        for (const a of st.applied) io.out(`  applied  ${a.id}  ${a.appliedAt.toISOString()}`);
        for (const p of st.pending) io.out(`  pending  ${p}`);
        for (const u of st.unknown) io.out(`  UNKNOWN  ${u}  (applied by a newer Hearth; this binary will refuse to start)`);
        io.out(`${st.applied.length} applied, ${st.pending.length} pending${st.unknown.length ? `, ${st.unknown.length} unknown` : ""}`);
      }
      return st.unknown.length ? 1 : 0;
    } finally {
      await store.close();
    }
  },
};
