import emojiData from "./data/emoji.json";
import { escapeAttr } from "./util.ts";

const NAMES: Record<string, string> = (emojiData as { names: Record<string, string> }).names;
const CODE_TO_NAME: Record<string, string> = (emojiData as { codeToName: Record<string, string> }).codeToName;

export function emojiCodeForName(name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(NAMES, name) ? NAMES[name] : undefined;
}

export function emojiNameForCode(code: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(CODE_TO_NAME, code) ? CODE_TO_NAME[code] : undefined;
}

export function unicodeEmojiSpan(name: string, code: string): string {
  const title = escapeAttr(name.replace(/_/g, " "));
  return `<span aria-label="${title}" class="emoji emoji-${code}" role="img" title="${title}">:${escapeAttr(name)}:</span>`;
}

export function imageEmoji(name: string, src: string): string {
  return `<img alt=":${escapeAttr(name)}:" class="emoji" src="${escapeAttr(src)}" title="${escapeAttr(name.replace(/_/g, " "))}">`;
}

/** Codepoints joined by "-", with variation selector 16 dropped, as Zulip keys its table. */
export function codeForSequence(seq: string): string {
  const parts: string[] = [];
  for (const ch of seq) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfe0f) continue;
    parts.push(cp.toString(16).padStart(4, "0"));
  }
  return parts.join("-");
}

export function charsForCode(code: string): string {
  return code
    .split("-")
    .map((h) => String.fromCodePoint(parseInt(h, 16)))
    .join("");
}

// A whole emoji sequence is matched first so that an unknown ZWJ sequence is
// left alone as a unit instead of being split into known pieces.
const PIECE = String.raw`(?:\p{Extended_Pictographic}|\p{Regional_Indicator})\uFE0F?\p{Emoji_Modifier}?`;
export const UNICODE_EMOJI_SOURCE = String.raw`(?:[#*0-9]\uFE0F?\u20E3|\p{Regional_Indicator}{2}|${PIECE}(?:\u200D${PIECE})*)`;

// Zulip's emoticon translations (sender setting translate_emoticons).
export const EMOTICONS: Record<string, string> = {
  ":)": "smile",
  "(:": "smile",
  ":(": "frown",
  "<3": "heart",
  ":|": "neutral",
  ":/": "confused",
  ";)": "wink",
  ":D": "grinning",
  ":o": "open_mouth",
  ":O": "open_mouth",
  ":p": "stuck_out_tongue",
  ":P": "stuck_out_tongue",
};
