import { Marked, type Tokens } from "marked";

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const safeHref = (href: string) => (/^(https?:|mailto:|#)/i.test(href.trim()) ? href : "#");

/** The preview: raw HTML shown as text (as the PDF renderer does), links only to http(s)/mailto, no images fetched. */
const marked = new Marked({
  gfm: true,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escape(text);
    },
    link({ href, title, tokens }: Tokens.Link) {
      const label = this.parser.parseInline(tokens);
      return `<a href="${escape(safeHref(href))}"${title ? ` title="${escape(title)}"` : ""} rel="noopener noreferrer">${label}</a>`;
    },
    image({ text }: Tokens.Image) {
      return `<span class="img-alt">[image: ${escape(text)}]</span>`;
    },
  },
});

export function renderPreview(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
