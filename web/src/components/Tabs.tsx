import { useRef, type ReactNode } from "react";
import styles from "./ui.module.css";

export interface TabItem {
  id: string;
  label: ReactNode;
}

/**
 * Tabs that follow the WAI-ARIA pattern: arrow keys, Home and End move between tabs; the
 * selected one is the only tab stop. The panel is the caller's, with id `${idPrefix}-panel`.
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
    <div role="tablist" aria-label={label} className={styles.tabs}>
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
  );
}
