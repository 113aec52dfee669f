import type { Command } from "../commands.ts";
import { cliDeps } from "../shared.ts";
import { UsageError } from "../args.ts";
import { cleanupUnclaimedUploads } from "../../actions/attachments.ts";
import { transferToS3, type TransferProgress } from "../../uploads/transfer.ts";
import { localUploadsDir } from "../../uploads/storage.ts";

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

export const uploadsCleanupCommand: Command = {
  name: "uploads cleanup",
  usage: "uploads cleanup [--dry-run] [--grace-days N]",
  summary: "Delete uploads that no message references and that are older than the grace period (HEARTH_UNCLAIMED_UPLOAD_GRACE_DAYS).",
  valueFlags: ["grace-days"],
  booleanFlags: ["dry-run", "json"],
  maxPositional: 0,
  async run(args, io) {
    const g = args.flags["grace-days"];
    if (g !== undefined && !(typeof g === "string" && /^\d+$/.test(g) && Number(g) >= 1)) throw new UsageError("--grace-days must be a whole number of days, at least 1");
    const deps = await cliDeps(args);
    try {
      const r = await cleanupUnclaimedUploads(deps, { dryRun: !!args.flags["dry-run"], graceDays: g ? Number(g) : undefined });
      if (args.flags.json) io.out(JSON.stringify(r));
      else io.out(`${args.flags["dry-run"] ? "would delete" : "deleted"} ${r.deleted} unreferenced upload(s), ${mib(r.bytes)}; ${r.staleTempFiles} stale temp file(s)`);
      return 0;
    } finally {
      await deps.close();
    }
  },
};

export const uploadsTransferCommand: Command = {
  name: "uploads transfer-to-s3",
  usage: "uploads transfer-to-s3 [--concurrency N]",
  summary: "Copy every local upload, avatar, realm icon and logo to the S3 buckets, verifying each; safe to re-run.",
  help:
    "Set HEARTH_S3_AUTH_UPLOADS_BUCKET, HEARTH_S3_AVATAR_BUCKET, HEARTH_S3_KEY, HEARTH_S3_SECRET_KEY (and HEARTH_S3_ENDPOINT_URL / HEARTH_S3_REGION)\n" +
    "first, keeping HEARTH_UPLOADS_BACKEND=local. Objects already in S3 with the right size and checksum are skipped.",
  valueFlags: ["concurrency"],
  booleanFlags: ["json"],
  maxPositional: 0,
  async run(args, io) {
    const c = args.flags.concurrency;
    if (c !== undefined && !(typeof c === "string" && /^\d+$/.test(c) && Number(c) >= 1 && Number(c) <= 64)) throw new UsageError("--concurrency must be 1 to 64");
    const deps = await cliDeps(args);
    try {
      if (!deps.config.s3AuthUploadsBucket || !deps.config.s3AvatarBucket) {
        io.err("hearth uploads transfer-to-s3: set HEARTH_S3_AUTH_UPLOADS_BUCKET and HEARTH_S3_AVATAR_BUCKET (and the S3 endpoint and keys) first");
        return 1;
      }
      const tty = !!process.stderr.isTTY;
      let lastPct = -1;
      const progress = (p: TransferProgress) => {
        const pct = p.total ? Math.floor((p.done / p.total) * 100) : 100;
        if (tty) {
          const bar = "#".repeat(Math.round(pct / 4)).padEnd(25, " ");
          process.stderr.write(`\r[${bar}] ${p.done}/${p.total}  copied ${p.copied}  skipped ${p.skipped}  failed ${p.failed}  ${mib(p.bytes)}`);
        } else if (pct >= lastPct + 10 || p.done === p.total) {
          lastPct = pct;
          io.err(`${pct}% ${p.done}/${p.total} (copied ${p.copied}, skipped ${p.skipped}, failed ${p.failed})`);
        }
      };
      const r = await transferToS3(deps, { concurrency: c ? Number(c) : 6, onProgress: progress });
      if (tty) process.stderr.write("\n");
      if (args.flags.json) io.out(JSON.stringify(r));
      else io.out(`${r.total} object(s): ${r.copied} copied (${mib(r.bytes)}), ${r.skipped} already in S3, ${r.failed} failed.`);
      for (const f of r.failures) io.err(`failed: ${f.bucket}/${f.key}: ${f.error}`);
      if (r.failed) {
        io.err("Some objects were not copied. Fix the cause and run the command again; it skips what is already there.");
        return 1;
      }
      if (!args.flags.json) {
        io.out(
          [
            "",
            "Everything is in S3. To switch this server to S3, change the configuration:",
            "  hearth.toml:   uploads_backend = \"s3\"",
            "  environment:   HEARTH_UPLOADS_BACKEND=s3",
            "keep the HEARTH_S3_* settings, and restart Hearth.",
            `Keep ${localUploadsDir(deps.config)} until you have checked that old uploads and avatars display.`,
          ].join("\n"),
        );
      }
      return 0;
    } finally {
      await deps.close();
    }
  },
};
