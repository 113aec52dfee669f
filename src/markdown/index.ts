// TEMPORARY stand-in for the Zulip-flavoured renderer (issue "Zulip-flavoured Markdown"),
// with exactly its API, so messages can be built and tested now. It escapes HTML, wraps
// paragraphs in <p>, and finds @**Name** / @**Name|id** / @_**Name** / @*group* / wildcard
// mentions. Replaced wholesale at merge by the real src/markdown/index.ts.
export interface MarkdownLookups {
  userByName(name: string): { id: number; fullName: string } | null | undefined;
  userById(id: number): { id: number; fullName: string } | null | undefined;
  groupByName(name: string): { id: number; name: string; description?: string } | null | undefined;
  streamByName(name: string): { id: number; name: string } | null | undefined;
  realmEmoji(name: string): { id: string; sourceUrl: string; stillUrl?: string | null } | null | undefined;
  linkifiers: { id: number; pattern: string; urlTemplate: string }[];
  realmUrl?: string;
  inlineImagePreview?: boolean;
  imageProxyUrl?: string | null;
  translateEmoticons?: boolean;
  emptyTopicDisplayName?: string;
}

export interface RenderResult {
  html: string;
  text: string;
  isMeMessage: boolean;
  mentionedUserIds: Set<number>;
  silentMentionedUserIds: Set<number>;
  mentionedGroupIds: Set<number>;
  wildcard: null | "stream" | "topic";
  hasLink: boolean;
  hasImage: boolean;
  hasAttachment: boolean;
  uploadPaths: string[];
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const STREAM_WILDCARDS = new Set(["all", "everyone", "channel", "stream"]);

export function renderMarkdown(content: string, lookups: Partial<MarkdownLookups> = {}): RenderResult {
  const mentioned = new Set<number>();
  const silent = new Set<number>();
  const groups = new Set<number>();
  let wildcard: RenderResult["wildcard"] = null;
  const paragraphs = content.trim().split(/\n{2,}/).filter((p) => p.length > 0);
  const render = (p: string) =>
    esc(p)
      .replace(/@(_?)\*\*([^*|]+?)(?:\|(\d+))?\*\*/g, (m, s: string, name: string, idText?: string) => {
        const user = idText ? lookups.userById?.(Number(idText)) : lookups.userByName?.(name);
        if (!user) {
          if (!s && !idText && STREAM_WILDCARDS.has(name)) {
            wildcard = "stream";
            return `<span class="user-mention" data-user-id="*">@${name}</span>`;
          }
          if (!s && !idText && name === "topic") {
            wildcard ??= "topic";
            return `<span class="topic-mention">@${name}</span>`;
          }
          return m;
        }
        (s ? silent : mentioned).add(user.id);
        return `<span class="user-mention${s ? " silent" : ""}" data-user-id="${user.id}">@${esc(user.fullName)}</span>`;
      })
      .replace(/@(_?)\*([^*]+?)\*/g, (m, s: string, name: string) => {
        const g = lookups.groupByName?.(name);
        if (!g) return m;
        if (!s) groups.add(g.id);
        return `<span class="user-group-mention${s ? " silent" : ""}" data-user-group-id="${g.id}">@${esc(g.name)}</span>`;
      })
      .replace(/\n/g, "<br>\n");
  const html = paragraphs.map((p) => `<p>${render(p)}</p>`).join("\n");
  const hasLink = /https?:\/\/\S/.test(content);
  const uploadPaths = [...content.matchAll(/\/user_uploads\/([^\s)\]]+)/g)].map((m) => m[1]!);
  return {
    html,
    text: content,
    isMeMessage: /^\/me( |$)/.test(content),
    mentionedUserIds: mentioned,
    silentMentionedUserIds: silent,
    mentionedGroupIds: groups,
    wildcard,
    hasLink,
    hasImage: /\.(png|jpe?g|gif|webp)(\s|$|\))/i.test(content) && hasLink,
    hasAttachment: uploadPaths.length > 0,
    uploadPaths,
  };
}

export function renderTopicLinks(topic: string, linkifiers: MarkdownLookups["linkifiers"]): { text: string; url: string }[] {
  const out: { text: string; url: string }[] = [];
  for (const l of linkifiers) {
    let re: RegExp;
    try {
      re = new RegExp(l.pattern, "g");
    } catch {
      continue;
    }
    for (const m of topic.matchAll(re)) {
      const groups = m.groups ?? {};
      out.push({ text: m[0], url: l.urlTemplate.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(groups[k] ?? "")) });
    }
  }
  return out;
}

export function sanitizeHtml(html: string): string {
  return html.replace(/<script[\s\S]*?<\/script>/gi, "");
}
