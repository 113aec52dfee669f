// The default avatar, drawn here instead of fetched from Gravatar, so that showing a
// user list makes the viewer's browser contact no third party (Gravatar is opt-in:
// HEARTH_ENABLE_GRAVATAR). A coloured square with the initials of the full name.

const PALETTE = ["#2f6f8f", "#8f2f4f", "#3f7f3f", "#7f5f1f", "#5f3f8f", "#1f6f6f", "#8f4f2f", "#4f5f8f", "#6f6f2f", "#2f4f6f"];

function esc(s: string) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function initialsOf(fullName: string): string {
  const words = fullName.normalize("NFC").trim().split(/\s+/).filter(Boolean);
  const first = (w: string) => [...w][0] ?? "";
  if (!words.length) return "?";
  const s = words.length === 1 ? first(words[0]!) : first(words[0]!) + first(words[words.length - 1]!);
  return s.toLocaleUpperCase();
}

export function defaultAvatarSvg(userId: number, fullName: string, size = 100): string {
  const bg = PALETTE[Math.abs(userId) % PALETTE.length];
  const text = esc(initialsOf(fullName));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100">` +
    `<rect width="100" height="100" fill="${bg}"/>` +
    `<text x="50" y="50" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="42" fill="#ffffff">${text}</text>` +
    `</svg>`
  );
}
