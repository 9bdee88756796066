import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import styles from "./ui.module.css";

export interface TabItem {
  id: string;
  label: ReactNode;
}

/**
 * Tabs that follow the WAI-ARIA pattern: arrow keys, Home and End move between tabs; the
 * selected one is the only tab stop. The panel is the caller's, with id `${idPrefix}-panel`.
 * They stay on one row whatever their number and language: the row scrolls, the selected tab
 * kept in view, with an arrow at each end that has more for the mouse (keys need none).
 */
export function Tabs({
  items,
  selected,
  onSelect,
  label,
  idPrefix,
}: {
  items: TabItem[];
  selected: string;
  onSelect(id: string): void;
  label: string;
  idPrefix: string;
}) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const row = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState({ before: false, after: false });
  useLayoutEffect(() => {
    const el = row.current;
    if (!el) return;
    const measure = () => {
      const next = { before: el.scrollLeft > 1, after: el.scrollLeft + el.clientWidth < el.scrollWidth - 1 };
      setMore((m) => (m.before === next.before && m.after === next.after ? m : next));
    };
    measure();
    el.addEventListener("scroll", measure, { passive: true });
    const resized = typeof ResizeObserver === "undefined" ? undefined : new ResizeObserver(measure);
    resized?.observe(el);
    return () => {
      el.removeEventListener("scroll", measure);
      resized?.disconnect();
    };
  }, [items.length]);
  // Scrolls the row alone, never the page, to show the selected tab.
  useEffect(() => {
    const el = row.current;
    const tab = refs.current[selected];
    if (!el || !tab) return;
    if (tab.offsetLeft < el.scrollLeft) el.scrollLeft = tab.offsetLeft;
    else if (tab.offsetLeft + tab.offsetWidth > el.scrollLeft + el.clientWidth) el.scrollLeft = tab.offsetLeft + tab.offsetWidth - el.clientWidth;
  }, [selected]);
  const scroll = (direction: number) => row.current?.scrollBy({ left: direction * row.current.clientWidth * 0.7, behavior: "smooth" });
  function onKeyDown(e: React.KeyboardEvent, index: number) {
    let next = -1;
    if (e.key === "ArrowRight") next = (index + 1) % items.length;
    else if (e.key === "ArrowLeft") next = (index - 1 + items.length) % items.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = items.length - 1;
    if (next < 0) return;
    e.preventDefault();
    const id = items[next]!.id;
    onSelect(id);
    refs.current[id]?.focus();
  }
  return (
    <div className={styles.tabRow}>
      {more.before ? (
        <span className={`${styles.tabMore} ${styles.tabMoreBefore}`} aria-hidden="true" onClick={() => scroll(-1)}>
          ‹
        </span>
      ) : null}
      <div ref={row} role="tablist" aria-label={label} className={styles.tabs}>
        {items.map((item, i) => (
          <button
            key={item.id}
            ref={(el) => {
              refs.current[item.id] = el;
            }}
            type="button"
            role="tab"
            id={`${idPrefix}-tab-${item.id}`}
            aria-selected={item.id === selected}
            aria-controls={`${idPrefix}-panel`}
            tabIndex={item.id === selected ? 0 : -1}
            className={styles.tab}
            onClick={() => onSelect(item.id)}
            onKeyDown={(e) => onKeyDown(e, i)}
          >
            {item.label}
          </button>
        ))}
      </div>
      {more.after ? (
        <span className={`${styles.tabMore} ${styles.tabMoreAfter}`} aria-hidden="true" onClick={() => scroll(1)}>
          ›
        </span>
      ) : null}
    </div>
  );
}
