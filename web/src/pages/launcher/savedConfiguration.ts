// Saved configurations: the launch request goes to the server whole; the portal keeps beside
// it (extra.link) the launch link of the user's changes, so that restoring opens the launcher
// with those changes over a freshly pre-filled form.

import type { SavedConfiguration } from "../../api/types";
import { diffValues, launchLinkQuery, linkOverridePairs } from "./launchLink";

/** The portal's own fields of a saved configuration. */
export function configurationExtra(linkQuery: string): Record<string, unknown> {
  return { link: linkQuery };
}

/**
 * The launcher's address that restores a configuration: its saved link when the portal wrote
 * one, otherwise a link built from the launch itself (every value as an override).
 */
export function restorePath(cfg: SavedConfiguration): string {
  const { launch } = cfg;
  const saved = cfg.extra?.link;
  const query =
    typeof saved === "string"
      ? saved
      : launchLinkQuery(
          {
            name: launch.name && launch.name !== launch.chart ? launch.name : undefined,
            version: launch.version,
            shared: launch.shared || undefined,
            s3: launch.s3,
          },
          diffValues({}, launch.values ?? {}),
          launch.link ? linkOverridePairs(launch.link) : [],
        );
  const base = `/launcher/${encodeURIComponent(launch.catalog)}/${encodeURIComponent(launch.chart)}`;
  return query ? `${base}?${query}` : base;
}
