// Fenced blocks are handled before Markdown parsing, as Zulip's fenced-code
// preprocessor does: code and math bodies are never Markdown, quotes become
// ">"-prefixed lines, and spoilers are rendered as nested documents. Results
// are stashed and referenced from the text by placeholder lines.

export const PLACEHOLDER_MARK = "\u0001";

// Zulip's fence grammar: 3+ backticks or tildes, an optional language (with
// optional "{." wrapper), and an optional header used by spoilers/quotes.
const FENCE_RE = /^(~{3,}|`{3,})[ ]*(?:\{?\.?([a-zA-Z0-9_+\-./#]*)[ ]*([^ ~`][^~`]*)?\}?)?$/;

export interface FenceRenderers {
  code(lang: string, body: string): string;
  math(body: string): string;
  spoiler(header: string, bodyLines: string[]): string;
  stash(html: string): string; // returns the placeholder line
}

interface Handler {
  kind: "outer" | "code" | "quote" | "spoiler" | "math";
  fence: string;
  lang: string;
  header: string;
  lines: string[];
}

export function processFences(lines: string[], r: FenceRenderers): string[] {
  const outer: Handler = { kind: "outer", fence: "", lang: "", header: "", lines: [] };
  const stack: Handler[] = [outer];

  const close = () => {
    const h = stack.pop()!;
    const target = stack[stack.length - 1].lines;
    switch (h.kind) {
      case "code":
        target.push("", r.stash(r.code(h.lang, h.lines.join("\n"))), "");
        break;
      case "math":
        target.push("", r.stash(r.math(h.lines.join("\n"))), "");
        break;
      case "quote":
        target.push("", ...h.lines.map((l) => `> ${l}`), "");
        break;
      case "spoiler":
        target.push("", r.stash(r.spoiler(h.header, h.lines)), "");
        break;
    }
  };

  for (const line of lines) {
    const top = stack[stack.length - 1];
    if (top.kind !== "outer" && line.trimEnd() === top.fence) {
      close();
      continue;
    }
    if (top.kind === "code" || top.kind === "math") {
      top.lines.push(line);
      continue;
    }
    const m = FENCE_RE.exec(line);
    if (!m) {
      top.lines.push(line);
      continue;
    }
    const lang = m[2] ?? "";
    const low = lang.toLowerCase();
    const kind: Handler["kind"] =
      low === "quote" ? "quote" : low === "spoiler" ? "spoiler" : low === "math" ? "math" : "code";
    stack.push({ kind, fence: m[1], lang, header: (m[3] ?? "").trim(), lines: [] });
  }
  while (stack.length > 1) close();
  return outer.lines;
}
