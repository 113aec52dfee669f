// Linkifier patterns are written in Zulip's (Python/re2) syntax, e.g. `#(?P<id>[0-9]+)`,
// and URL templates are RFC 6570, e.g. `https://tracker.example/{id}`. Zulip compiles
// patterns with re2, which has no backtracking; JavaScript's engine backtracks, so we
// accept only what re2 accepts that also cannot blow up here: no lookaround, no
// backreferences, no nested quantifiers, and a bounded length.
import { errors } from "./errors.ts";

export const MAX_PATTERN_LENGTH = 1000;

/** Converts Zulip's pattern syntax to a JavaScript one (named groups). */
export function toJsPattern(pattern: string): string {
  return pattern.replace(/\(\?P</g, "(?<");
}

function groupNames(js: string): string[] {
  return [...js.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!);
}

/** True when some quantified group contains a quantifier itself: (a+)+, (a|b*)*, (x{2,}){3}. */
function hasNestedQuantifier(js: string): boolean {
  const stack: { quantified: boolean }[] = [];
  for (let i = 0; i < js.length; i++) {
    const c = js[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "[") {
      // skip a character class
      for (i++; i < js.length && js[i] !== "]"; i++) if (js[i] === "\\") i++;
      continue;
    }
    if (c === "(") stack.push({ quantified: false });
    else if (c === ")") {
      const g = stack.pop();
      const next = js[i + 1];
      const quantifiedGroup = next === "*" || next === "+" || next === "{";
      if (g?.quantified && quantifiedGroup) return true;
      if (stack.length && (g?.quantified || quantifiedGroup)) stack[stack.length - 1]!.quantified = true;
    } else if ((c === "*" || c === "+" || c === "{") && stack.length) {
      stack[stack.length - 1]!.quantified = true;
    }
  }
  return false;
}

export interface ValidLinkifier {
  pattern: string;
  urlTemplate: string;
}

export function validateLinkifier(pattern: string, urlTemplate: string): ValidLinkifier {
  if (!pattern) throw errors.badRequest("Invalid linkifier pattern: it is empty");
  if (pattern.length > MAX_PATTERN_LENGTH) throw errors.badRequest(`Linkifier pattern is too long (limit: ${MAX_PATTERN_LENGTH} characters)`);
  const js = toJsPattern(pattern);
  if (/\(\?<?[=!]/.test(js)) throw errors.badRequest("Invalid linkifier pattern: lookaround assertions are not supported");
  if (/\\[1-9]|\\k<|\(\?P=/.test(pattern)) throw errors.badRequest("Invalid linkifier pattern: backreferences are not supported");
  if (hasNestedQuantifier(js)) throw errors.badRequest("Invalid linkifier pattern: nested repetition is too expensive to match");
  try {
    new RegExp(js, "u");
  } catch (e) {
    throw errors.badRequest(`Invalid linkifier pattern: ${(e as Error).message}`);
  }
  const groups = groupNames(js);
  // RFC 6570 expressions: {var}, {+var}, {#var}, {?a,b}… — variable names only.
  const exprs = [...urlTemplate.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
  if (/[{}]/.test(urlTemplate.replace(/\{[^{}]*\}/g, ""))) throw errors.badRequest("Invalid URL template.");
  const vars: string[] = [];
  for (const e of exprs) {
    const body = e.replace(/^[+#./;?&]/, "");
    for (const v of body.split(",")) {
      const name = v.replace(/(\*|:\d+)$/, "");
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw errors.badRequest("Invalid URL template.");
      vars.push(name);
    }
  }
  let url: URL;
  try {
    url = new URL(urlTemplate.replace(/\{[^{}]*\}/g, "x"));
  } catch {
    throw errors.badRequest("Invalid URL template.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "mailto:") throw errors.badRequest("Invalid URL template.");
  for (const v of vars) if (!groups.includes(v)) throw errors.badRequest(`Group '${v}' in URL template is not present in linkifier pattern.`);
  for (const g of groups) if (!vars.includes(g)) throw errors.badRequest(`Group '${g}' in linkifier pattern is not present in URL template.`);
  return { pattern, urlTemplate };
}
