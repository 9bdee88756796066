// @vitest-environment jsdom
// DOMPurify does not support happy-dom (cure53/DOMPurify#1457): sanitising is checked in jsdom.
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./Markdown";

describe("renderMarkdown", () => {
  it("renders GitHub-flavoured Markdown", () => {
    const html = renderMarkdown("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n`code`");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<table>");
    expect(html).toContain("<code>code</code>");
  });

  it("makes code blocks focusable, as they may scroll sideways", () => {
    const html = renderMarkdown("```sh\nhelm install jupyter ide/jupyter --set a.very.long.value=" + "x".repeat(200) + "\n```");
    expect(html).toMatch(/<pre tabindex="0"><code/);
  });

  it("removes scripts, handlers, javascript: links and styles", () => {
    const html = renderMarkdown(
      '<script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">x</a><p style="position:fixed">y</p><iframe src="https://e.org"></iframe>\n\n[ok](https://example.org)',
    );
    expect(html).not.toContain("<script");
    expect(html).not.toContain("onerror");
    expect(html).not.toContain("javascript:");
    expect(html).not.toContain("style=");
    expect(html).not.toContain("<iframe");
    expect(html).toContain('href="https://example.org"');
    expect(html).toContain('rel="noopener noreferrer"');
  });
});
