import { describe, expect, test } from "bun:test";
import { renderMarkdown, renderTopicLinks, type MarkdownLookups } from "../../src/markdown/index.ts";

const users = new Map([
  ["Example User", { id: 31, fullName: "Example User" }],
  ["Iago", { id: 5, fullName: "Iago" }],
]);
const lookups: Partial<MarkdownLookups> = {
  userByName: (n) => users.get(n),
  userById: (id) => [...users.values()].find((u) => u.id === id),
  groupByName: (n) =>
    n === "support"
      ? { id: 17, name: "support" }
      : n === "role:administrators"
        ? { id: 2, name: "role:administrators", description: "Administrators" }
        : undefined,
  streamByName: (n) => (n === "announce" ? { id: 9, name: "announce" } : n === "Core team" ? { id: 3, name: "Core team" } : undefined),
  realmEmoji: (n) => (n === "green_tick" ? { id: "1", sourceUrl: "/user_avatars/2/emoji/images/1.png" } : undefined),
  linkifiers: [{ id: 1, pattern: "#(?P<id>[0-9]+)", urlTemplate: "https://github.com/zulip/zulip/issues/{id}" }],
  realmUrl: "http://localhost:8080",
};
const r = (s: string, extra: Partial<MarkdownLookups> = {}) => renderMarkdown(s, { ...lookups, ...extra });

describe("mentions (ZULIP-API.md §6)", () => {
  test("user mention", () => {
    const out = r("hi @**Example User**");
    expect(out.html).toBe('<p>hi <span class="user-mention" data-user-id="31">@Example User</span></p>');
    expect([...out.mentionedUserIds]).toEqual([31]);
  });
  test("user mention by id", () => {
    expect(r("@**Example User|31**").html).toBe('<p><span class="user-mention" data-user-id="31">@Example User</span></p>');
  });
  test("silent mention does not notify", () => {
    const out = r("@_**Example User**");
    expect(out.html).toBe('<p><span class="user-mention silent" data-user-id="31">Example User</span></p>');
    expect(out.mentionedUserIds.size).toBe(0);
    expect([...out.silentMentionedUserIds]).toEqual([31]);
  });
  test("unknown user stays literal", () => {
    const out = r("@**Nobody**");
    expect(out.html).toBe("<p>@**Nobody**</p>");
    expect(out.mentionedUserIds.size).toBe(0);
  });
  for (const w of ["all", "everyone", "channel", "stream"]) {
    test(`wildcard @**${w}**`, () => {
      const out = r(`@**${w}**`);
      expect(out.html).toBe(`<p><span class="user-mention channel-wildcard-mention" data-user-id="*">@${w}</span></p>`);
      expect(out.wildcard).toBe("stream");
    });
  }
  test("topic wildcard", () => {
    const out = r("@**topic**");
    expect(out.html).toBe('<p><span class="topic-mention">@topic</span></p>');
    expect(out.wildcard).toBe("topic");
  });
  test("silent wildcard sets no flag", () => {
    expect(r("@_**all**").wildcard).toBeNull();
  });
  test("group mention", () => {
    const out = r("@*support*");
    expect(out.html).toBe('<p><span class="user-group-mention" data-user-group-id="17">@support</span></p>');
    expect([...out.mentionedGroupIds]).toEqual([17]);
  });
  test("silent group mention", () => {
    const out = r("@_*support*");
    expect(out.html).toBe('<p><span class="user-group-mention silent" data-user-group-id="17">support</span></p>');
    expect(out.mentionedGroupIds.size).toBe(0);
  });
  test("system group renders its description", () => {
    expect(r("@_*role:administrators*").html).toBe(
      '<p><span class="user-group-mention silent" data-user-group-id="2">Administrators</span></p>',
    );
  });
  test("mention inside code is not a mention", () => {
    const out = r("`@**Example User**`");
    expect(out.mentionedUserIds.size).toBe(0);
    expect(out.html).toBe("<p><code>@**Example User**</code></p>");
  });
});

describe("channel, topic and message links", () => {
  test("channel link", () => {
    expect(r("#**announce**").html).toBe('<p><a class="stream" data-stream-id="9" href="/#narrow/channel/9-announce">#announce</a></p>');
  });
  test("channel name with space", () => {
    expect(r("#**Core team**").html).toBe('<p><a class="stream" data-stream-id="3" href="/#narrow/channel/3-Core-team">#Core team</a></p>');
  });
  test("topic link", () => {
    expect(r("#**announce>Zulip updates**").html).toBe(
      '<p><a class="stream-topic" data-stream-id="9" href="/#narrow/channel/9-announce/topic/Zulip.20updates">#announce &gt; Zulip updates</a></p>',
    );
  });
  test("empty topic shows the display name", () => {
    expect(r("#**announce>**", { emptyTopicDisplayName: "general chat" }).html).toBe(
      '<p><a class="stream-topic" data-stream-id="9" href="/#narrow/channel/9-announce/topic/">#announce &gt; <em>general chat</em></a></p>',
    );
  });
  test("message link", () => {
    expect(r("#**announce>Zulip updates@214**").html).toBe(
      '<p><a class="message-link" href="/#narrow/channel/9-announce/topic/Zulip.20updates/near/214">#announce &gt; Zulip updates @ 💬</a></p>',
    );
  });
  test("unknown channel stays literal", () => {
    expect(r("#**nope**").html).toBe("<p>#**nope**</p>");
  });
});

describe("emoji", () => {
  test("custom realm emoji", () => {
    expect(r(":green_tick:").html).toBe(
      '<p><img alt=":green_tick:" class="emoji" src="/user_avatars/2/emoji/images/1.png" title="green tick"></p>',
    );
  });
  test("text content carries the unicode character", () => {
    expect(r(":smile: hi").text).toBe("🙂 hi");
  });
});

describe("linkifiers", () => {
  test("pattern with RFC 6570 template", () => {
    const out = r("see #123 now");
    expect(out.html).toBe('<p>see <a href="https://github.com/zulip/zulip/issues/123">#123</a> now</p>');
    expect(out.linkifierMatches).toBe(1);
  });
  test("topic links", () => {
    expect(renderTopicLinks("fix #42 see https://example.com", lookups.linkifiers!)).toEqual([
      { text: "#42", url: "https://github.com/zulip/zulip/issues/42" },
      { text: "https://example.com", url: "https://example.com" },
    ]);
  });
  test("reserved expansion keeps slashes", () => {
    const out = r("go:a/b", { linkifiers: [{ id: 2, pattern: "go:(?P<p>[a-z/]+)", urlTemplate: "https://go/{+p}" }] });
    expect(out.html).toBe('<p><a href="https://go/a/b">go:a/b</a></p>');
  });
  test("a catastrophic pattern is refused and does not stall", () => {
    const start = performance.now();
    const out = r("a".repeat(5000) + "!", { linkifiers: [{ id: 3, pattern: "(a+)+$", urlTemplate: "https://x/{id}" }] });
    expect(performance.now() - start).toBeLessThan(500);
    expect(out.html).not.toContain("<a ");
  });
});

describe("links, uploads and image previews", () => {
  test("relative realm link becomes a fragment link", () => {
    expect(r("[x](http://localhost:8080/#narrow/channel/9-announce)").html).toBe('<p><a href="#narrow/channel/9-announce">x</a></p>');
  });
  test("upload link sets attachment flags and path", () => {
    const out = r("[doc.pdf](/user_uploads/2/ab/cd/doc.pdf)");
    expect(out.hasAttachment).toBe(true);
    expect(out.hasLink).toBe(true);
    expect(out.uploadPaths).toEqual(["2/ab/cd/doc.pdf"]);
    expect(out.hasImage).toBe(false);
  });
  test("uploaded image gets an inline preview", () => {
    const out = r("[x.png](/user_uploads/2/ab/x.png)");
    expect(out.html).toBe(
      '<p><a href="/user_uploads/2/ab/x.png">x.png</a></p>\n<div class="message_inline_image"><a href="/user_uploads/2/ab/x.png" title="x.png"><img src="/user_uploads/2/ab/x.png"></a></div>',
    );
    expect(out.hasImage).toBe(true);
  });
  test("external image goes through the proxy", () => {
    const out = r("https://example.com/a.png", { imageProxyUrl: "/external_content" });
    expect(out.html).toContain('src="/external_content?url=https%3A%2F%2Fexample.com%2Fa.png&amp;size=thumbnail"');
    expect(out.html).not.toContain('src="https://example.com/a.png"');
  });
  test("previews can be disabled by the realm", () => {
    const out = r("https://example.com/a.png", { inlineImagePreview: false });
    expect(out.html).toBe('<p><a href="https://example.com/a.png">https://example.com/a.png</a></p>');
    expect(out.hasImage).toBe(false);
  });
  test("plain text has no link flags", () => {
    const out = r("hello world");
    expect(out.hasLink || out.hasImage || out.hasAttachment).toBe(false);
  });
});

describe("misc dialect", () => {
  test("/me", () => {
    expect(r("/me waves").isMeMessage).toBe(true);
    expect(r("hi /me").isMeMessage).toBe(false);
  });
  test("empty input", () => {
    expect(r("").html).toBe("");
    expect(r("  \n ").html).toBe("");
  });
  test("global time", () => {
    expect(r("<time:2024-01-02T03:04:05Z>").html).toBe('<p><time datetime="2024-01-02T03:04:05Z">2024-01-02T03:04:05Z</time></p>');
  });
  test("quote fence", () => {
    expect(r("```quote\nhi\n```").html).toBe("<blockquote>\n<p>hi</p>\n</blockquote>");
  });
  test("code language alias", () => {
    expect(r("```js\nx\n```").html).toBe('<div class="codehilite" data-code-language="JavaScript"><pre><span></span><code>x\n</code></pre></div>');
  });
});

describe("per-render isolation", () => {
  test("realm emoji of one render do not leak into the next with the same text", () => {
    const a = renderMarkdown("hi :party_parrot:", { realmEmoji: () => undefined }).html;
    const b = renderMarkdown("hi :party_parrot:", { realmEmoji: () => ({ id: "9", sourceUrl: "/e/9.gif" }) }).html;
    expect(a).toBe("<p>hi :party_parrot:</p>");
    expect(b).toBe('<p>hi <img alt=":party_parrot:" class="emoji" src="/e/9.gif" title="party parrot"></p>');
  });
});
