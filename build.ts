// `npm run build`: compiles dist/hearth, one self-contained executable. Migrations are
// embedded through src/db/migrations.gen.ts (scripts/db-generate.ts), the web client's
// assets through the imports in src/web/, so the binary runs from an empty directory.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const root = import.meta.dir;
const outfile = join(root, "dist", "hearth");
mkdirSync(join(root, "dist"), { recursive: true });

// Build steps of other parts (the web client bundle) register here.
const prebuild: string[] = ["scripts/build-web.ts"];
for (const step of prebuild) {
  const path = join(root, step);
  if (!(await Bun.file(path).exists())) continue;
  const r = Bun.spawnSync([process.execPath, path], { cwd: root, stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) {
    console.error(`build: ${step} failed`);
    process.exit(1);
  }
}

const started = performance.now();
const result = await Bun.build({
  entrypoints: [join(root, "src/main.ts")],
  compile: { outfile },
  minify: true,
  sourcemap: "linked",
  target: "bun",
  define: { "process.env.NODE_ENV": '"production"' },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const size = (await Bun.file(outfile).arrayBuffer()).byteLength;
console.log(`built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`);
