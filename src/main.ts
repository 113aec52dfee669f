#!/usr/bin/env bun
// The `hearth` entry point, from source (`bun src/main.ts …`) and as the compiled binary.
import { runCli } from "./cli/index.ts";

const code = await runCli(process.argv.slice(2));
if (typeof code === "number") process.exit(code);
