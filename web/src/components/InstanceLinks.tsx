import { Link } from "react-router";
import type { Link as InstanceLink } from "../api/types";
import { useLocalized } from "../instance";
import { Icon } from "./Icon";

/** True for a path of the portal itself, which the router opens without reloading. */
export function isPortalPath(url: string): boolean {
  return url.startsWith("/") && !url.startsWith("//") && !url.startsWith("/api/");
}

/** A configured link: a portal path through the router, anything else in a new tab. */
export function InstanceAnchor({ link, className, children }: { link: InstanceLink; className?: string; children?: React.ReactNode }) {
  const text = useLocalized();
  const label = children ?? text(link.label);
  if (isPortalPath(link.url)) {
    return (
      <Link to={link.url} className={className}>
        {label}
      </Link>
    );
  }
  return (
    <a href={link.url} className={className} target="_blank" rel="noopener noreferrer">
      {label}
      <Icon name="external" size={14} />
    </a>
  );
}

/** The instance's links of one place (header, footer, side bar) as a list. */
export function InstanceLinkList({ links, className, itemClassName, label }: { links: InstanceLink[] | undefined; className?: string; itemClassName?: string; label: string }) {
  if (!links || links.length === 0) return null;
  return (
    <ul className={className} aria-label={label}>
      {links.map((l) => (
        <li key={l.url}>
          <InstanceAnchor link={l} className={itemClassName} />
        </li>
      ))}
    </ul>
  );
}
