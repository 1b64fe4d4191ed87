// Markdown of crawled pages is untrusted: marked turns it into HTML and
// DOMPurify strips anything active before it reaches the page (the CSP
// would block scripts anyway).
import DOMPurify from "dompurify";
import { marked } from "marked";

export function renderMarkdown(md: string): string {
  const html = marked.parse(md, { async: false, gfm: true }) as string;
  return DOMPurify.sanitize(html, { FORBID_TAGS: ["style", "form", "iframe"], FORBID_ATTR: ["style"] });
}
