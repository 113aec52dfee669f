// A subset of Zulip's unicode emoji names → codepoints (Zulip's emoji_codes.json naming,
// e.g. smile → 1f642). Clients send emoji_code with emoji_name, so a name outside this
// list still works when its code is given; the full table comes with the Markdown area.
export const EMOJI_CODES: Record<string, string> = {
  smile: "1f642", slight_smile: "1f642", grinning: "1f600", smiley: "1f603", grin: "1f601", laughing: "1f606",
  joy: "1f602", rolling_on_the_floor_laughing: "1f923", rofl: "1f923", wink: "1f609", blush: "1f60a",
  heart_eyes: "1f60d", thinking: "1f914", neutral: "1f610", expressionless: "1f611", confused: "1f615",
  cry: "1f622", sob: "1f62d", angry: "1f620", scream: "1f631", sunglasses: "1f60e", upside_down: "1f643",
  "+1": "1f44d", thumbs_up: "1f44d", like: "1f44d", "-1": "1f44e", thumbs_down: "1f44e", clap: "1f44f",
  wave: "1f44b", pray: "1f64f", muscle: "1f4aa", ok: "1f44c", heart: "2764", broken_heart: "1f494",
  fire: "1f525", tada: "1f389", party_popper: "1f389", rocket: "1f680", star: "2b50", check: "2705",
  check_mark: "2714", cross_mark: "274c", x: "274c", warning: "26a0", eyes: "1f440", hundred: "1f4af",
  "100": "1f4af", octopus: "1f419", coffee: "2615", pizza: "1f355", cake: "1f370", beer: "1f37a",
  sparkles: "2728", zap: "26a1", bulb: "1f4a1", question: "2753", exclamation: "2757", working_on_it: "1f6e0",
  heavy_check_mark: "2714", white_check_mark: "2705", slight_frown: "1f641", frown: "2639", thumbsup: "1f44d",
};

export const ZULIP_EXTRA_EMOJI: Record<string, string> = { zulip: "zulip" };
