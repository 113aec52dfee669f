// A small argv parser: positional words and --flags. Boolean flags are declared per
// command so that `--force x` is not read as `--force=x`.
export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | boolean>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function parseArgs(argv: string[], booleanFlags: string[] = [], valueFlags?: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (booleanFlags.includes(name) || name === "help") {
        flags[name] = eq > 0 ? !["false", "0", "no"].includes(a.slice(eq + 1)) : true;
        continue;
      }
      if (valueFlags && !valueFlags.includes(name)) throw new UsageError(`unknown option --${name}`);
      if (eq > 0) flags[name] = a.slice(eq + 1);
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) throw new UsageError(`--${name} needs a value`);
        flags[name] = v;
        i++;
      }
    } else if (a === "-h") {
      flags.help = true;
    } else {
      positional.push(a);
    }
  }
  return { positional, flags };
}
