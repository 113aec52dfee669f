// Unicode emoji for reactions come from the Markdown area's copy of Zulip's emoji data
// (src/markdown/data/emoji.json: every name and alias → codepoint, and each codepoint's
// canonical name), so a reaction accepts exactly the names `:name:` renders.
export { emojiCodeForName as unicodeEmojiCode, emojiNameForCode as unicodeEmojiName } from "../markdown/index.ts";

export const ZULIP_EXTRA_EMOJI: Record<string, string> = { zulip: "zulip" };
