// Launch links in Onyxia's format (/launcher/<catalog>/<chart>?name=…&version=…&a.b=«…»).
// The server parses them (the form's and the launch's `link`); the portal only writes them,
// and reads the plain parameters (name, version, shared, s3, autoLaunch).

import { deepEqual, isPlainObject, type Segment } from "./paths";

/** A value the link sets, or UNSET (`-`: delete the key, truncate the array there). */
export const UNSET = Symbol("unset");
export interface LinkOverride {
  path: Segment[];
  value: unknown;
}

/**
 * The overrides that turn `before` into `after`, leaf by leaf, in the order of `after`.
 * Containers are created by the link's paths; an empty container added cannot be written
 * and is skipped.
 */
export function diffValues(before: unknown, after: unknown, path: Segment[] = []): LinkOverride[] {
  if (deepEqual(before, after)) return [];
  if (after === undefined) return [{ path, value: UNSET }];
  if (isPlainObject(after) && (isPlainObject(before) || before === undefined)) {
    const b = before ?? {};
    const out: LinkOverride[] = [];
    for (const [k, v] of Object.entries(after)) out.push(...diffValues(b[k], v, [...path, k]));
    for (const k of Object.keys(b)) if (!Object.hasOwn(after, k)) out.push({ path: [...path, k], value: UNSET });
    return out;
  }
  if (Array.isArray(after) && (Array.isArray(before) || before === undefined)) {
    const b = before ?? [];
    const out: LinkOverride[] = [];
    after.forEach((v, i) => out.push(...diffValues(b[i], v, [...path, i])));
    if (b.length > after.length) out.push({ path: [...path, after.length], value: UNSET });
    return out;
  }
  if (isPlainObject(after) || Array.isArray(after)) {
    // A scalar became a container: write its leaves.
    return diffValues(undefined, after, path);
  }
  return [{ path, value: after }];
}

/**
 * A key of the link: dotted, [n] for indices, a literal dot as %5C. (Onyxia's `\.`), and a
 * trailing dot when the key has no other (a key without a dot is not an override).
 */
export function formatLinkKey(path: readonly Segment[]): string {
  let out = "";
  path.forEach((seg, i) => {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += (i > 0 ? "." : "") + seg.replaceAll(".", "%5C.");
  });
  return out.includes(".") ? out : out + ".";
}

/** A value of the link: strings «quoted» and URL-encoded, numbers and booleans bare. */
export function formatLinkValue(v: unknown): string {
  if (v === UNSET || v === undefined) return "-";
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
  if (typeof v === "string") return encodeURIComponent(`«${v}»`);
  // A container where the form has a leaf (a free-form field): its JSON, as a string.
  return encodeURIComponent(`«${JSON.stringify(v)}»`);
}

export interface LinkParams {
  name?: string;
  version?: string;
  shared?: boolean;
  s3?: string;
  autoLaunch?: boolean;
}

/** The query string of a launch link (without "?"); `keep` are override pairs written before the new ones. */
export function launchLinkQuery(params: LinkParams, overrides: LinkOverride[], keep: string[] = []): string {
  const parts: string[] = [];
  if (params.name) parts.push(`name=${encodeURIComponent(params.name)}`);
  if (params.version) parts.push(`version=${encodeURIComponent(params.version)}`);
  if (params.shared) parts.push("shared=true");
  if (params.s3) parts.push(`s3=${encodeURIComponent(params.s3)}`);
  parts.push(...keep);
  for (const o of overrides) parts.push(`${formatLinkKey(o.path)}=${formatLinkValue(o.value)}`);
  if (params.autoLaunch) parts.push("autoLaunch=true");
  return parts.join("&");
}

/** The whole link, for the address bar of another user. */
export function launchLinkUrl(origin: string, catalog: string, chart: string, query: string): string {
  const base = `${origin}/launcher/${encodeURIComponent(catalog)}/${encodeURIComponent(chart)}`;
  return query ? `${base}?${query}` : base;
}

/** The plain parameters of a link's raw query string; the overrides are the server's to read. */
export function readLinkParams(raw: string): LinkParams {
  const q = new URLSearchParams(raw.replace(/^\?/, ""));
  const shared = q.get("shared");
  return {
    name: q.get("name") || undefined,
    version: q.get("version") || undefined,
    shared: shared === null ? undefined : shared === "true",
    s3: q.get("s3") || undefined,
    autoLaunch: q.get("autoLaunch") === "true",
  };
}

/**
 * A raw query string with one plain parameter set (or removed when value is undefined),
 * every other pair kept byte for byte: the overrides' encoding matters to the server.
 */
export function withParam(raw: string, key: string, value: string | undefined): string {
  const pairs = raw.replace(/^\?/, "").split("&").filter(Boolean);
  const kept = pairs.filter((p) => decodeURIComponent(p.split("=")[0]!.replace(/\+/g, " ")) !== key);
  if (value !== undefined) {
    const at = pairs.findIndex((p) => decodeURIComponent(p.split("=")[0]!) === key);
    const pair = `${key}=${encodeURIComponent(value)}`;
    if (at >= 0) kept.splice(Math.min(at, kept.length), 0, pair);
    else kept.push(pair);
  }
  return kept.join("&");
}

const PLAIN = new Set(["name", "version", "shared", "s3", "autoLaunch"]);

/**
 * The override pairs of a raw link, as they were written: a link copied from a form that was
 * opened from a link keeps them, and adds the user's changes after them (later ones win).
 */
export function linkOverridePairs(raw: string): string[] {
  return raw
    .replace(/^\?/, "")
    .split("&")
    .filter((p) => {
      const key = p.split("=")[0] ?? "";
      return key.includes(".") && !PLAIN.has(key) && !key.startsWith("oidc-spa.");
    });
}
