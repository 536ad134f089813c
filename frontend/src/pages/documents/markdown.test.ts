import { describe, expect, it } from "vitest";
import { renderPreview } from "./markdown";

describe("the markdown preview", () => {
  it("renders headings, lists, code and tables", () => {
    const html = renderPreview("# Title\n\n- one\n- two\n\n`code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<li>two</li>");
    expect(html).toContain("<code>code</code>");
    expect(html).toContain("<td>2</td>");
  });
  it("shows raw HTML as text and fetches no image", () => {
    const html = renderPreview('<script>alert(1)</script>\n\n<img src="http://example.com/x.png">\n\n![logo](http://example.com/y.png)');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("[image: logo]");
  });
  it("keeps links to http(s) and mailto only", () => {
    expect(renderPreview("[x](javascript:alert(1))")).toContain('href="#"');
    expect(renderPreview("[x](https://example.com)")).toContain('href="https://example.com"');
  });
});
