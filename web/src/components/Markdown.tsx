import DOMPurify from "dompurify";
import { marked } from "marked";
import { useMemo } from "react";
import styles from "./ui.module.css";

/**
 * Markdown from a chart or a service (README, notes), rendered to HTML and sanitised:
 * no scripts, no event handlers, links open in a new tab without access to the portal.
 */
export function Markdown({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  return <div className={styles.markdown} dangerouslySetInnerHTML={{ __html: html }} />;
}

let hooked = false;

export function renderMarkdown(source: string): string {
  if (!hooked) {
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A" && node.getAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
      // A code block may scroll sideways: it must be reachable by keyboard to be read.
      if (node.tagName === "PRE") node.setAttribute("tabindex", "0");
    });
    hooked = true;
  }
  const raw = marked.parse(source, { async: false, gfm: true });
  return DOMPurify.sanitize(raw, { FORBID_TAGS: ["style", "form", "input", "button"], FORBID_ATTR: ["style"] });
}
