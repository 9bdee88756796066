// Who else may open a service through the gateway, as its owner's share dialog edits it. The
// server takes the whole list at once, refuses an expiry that is past or more than a year
// ahead, and names a refused grant by its place in the list it was sent ("grants[2].name"):
// these functions build that list from the one shown and put each refusal back where the
// dialog shows it. A link is a grant too: sent without a name, it is a new one, whose id the
// server makes; a link shown is sent with its id to keep it.
import type { AccessGrant, AccessGrantInput, FieldDetail } from "../../api/types";
import { checkKeep, fromLocalInput, keepBounds, type KeepBounds } from "../../lifecycle/keepTime";

export type GrantKind = AccessGrantInput["kind"];
export const GRANT_KINDS: readonly GrantKind[] = ["user", "group", "project", "link"];

/** The furthest expiry offered: a year (the server takes a day more, for clocks that differ). */
export const MAX_GRANT_SECONDS = 365 * 86_400;

const DAY_MS = 86_400_000;
/** The expiries one click gives, from the moment the grant is added. */
export const EXPIRY_PRESETS = { day: DAY_MS, week: 7 * DAY_MS, month: 30 * DAY_MS } as const;
export type ExpiryChoice = "never" | keyof typeof EXPIRY_PRESETS | "date";

/** The grant being added, as the form holds it. */
export interface GrantDraft {
  kind: GrantKind;
  /** Unused for a link: the server names it. */
  name: string;
  expiry: ExpiryChoice;
  /** The chosen date, as a datetime-local field holds it, when expiry is "date". */
  date: string;
}

export type DraftField = "kind" | "name" | "expires";
export type DraftProblem = "name.empty" | "name.long" | "name.owner" | "expires.invalid" | "expires.past" | "expires.beyond";

/** The same kind and name are one grant: a second one replaces the first. A new link has no name yet. */
export const grantKey = (g: { kind: string; name?: string }) => `${g.kind}/${g.name ?? ""}`;

export const isExpired = (g: AccessGrant, now: number) => !!g.expires && Date.parse(g.expires) <= now;

/** The bounds of a chosen expiry date. */
export const expiryBounds = (now: number): KeepBounds => keepBounds(now, MAX_GRANT_SECONDS);

/** The grant the draft asks for, or the field it must not be sent with and why. */
export function checkDraft(
  d: GrantDraft,
  owner: string,
  now: number,
): { grant: AccessGrantInput } | { field: DraftField; problem: DraftProblem } {
  const name = d.name.trim();
  const who: AccessGrantInput = d.kind === "link" ? { kind: "link" } : { kind: d.kind, name };
  if (d.kind !== "link") {
    if (!name) return { field: "name", problem: "name.empty" };
    if (name.length > 128 || /[\n\0]/.test(name)) return { field: "name", problem: "name.long" };
    if (d.kind === "user" && name === owner) return { field: "name", problem: "name.owner" };
  }
  if (d.expiry === "never") return { grant: who };
  if (d.expiry !== "date") return { grant: { ...who, expires: new Date(now + EXPIRY_PRESETS[d.expiry]).toISOString() } };
  const until = fromLocalInput(d.date);
  const problem = checkKeep(until, now, MAX_GRANT_SECONDS);
  if (problem) return { field: "expires", problem: `expires.${problem}` };
  return { grant: { ...who, expires: until!.toISOString() } };
}

/** The links among the grants shown, numbered from 1 as the dialog names them. */
export function linkNumbers(shown: AccessGrant[]): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const g of shown) if (g.kind === "link") numbers.set(g.name, numbers.size + 1);
  return numbers;
}

/** The link the server made for a list sent with a new one: the link answered that was not shown. */
export function newLink(shown: AccessGrant[], answered: AccessGrant[]): AccessGrant | undefined {
  const had = new Set(shown.filter((g) => g.kind === "link").map((g) => g.name));
  return answered.find((g) => g.kind === "link" && !had.has(g.name));
}

/** One grant of a list sent: the listed grant it keeps (by key), or none for the one being added. */
export interface SentGrant {
  input: AccessGrantInput;
  keeps?: string;
}

/**
 * The list to send: the grants shown, less the expired ones (they open nothing, and the server
 * refuses a past expiry) and the one removed; the one added in place of a grant of the same
 * kind and name (a new expiry), else at the end.
 */
export function grantsToSend(shown: AccessGrant[], now: number, change: { add: AccessGrantInput } | { remove: string }): SentGrant[] {
  const out: SentGrant[] = [];
  let placed = false;
  for (const g of shown) {
    const key = grantKey(g);
    if ("remove" in change && change.remove === key) continue;
    if ("add" in change && grantKey(change.add) === key) {
      out.push({ input: change.add });
      placed = true;
      continue;
    }
    if (isExpired(g, now)) continue;
    out.push({ input: { kind: g.kind, name: g.name, ...(g.expires ? { expires: g.expires } : {}) }, keeps: key });
  }
  if ("add" in change && !placed) out.push({ input: change.add });
  return out;
}

/** Where the server's refusal of a list shows: at the new grant's fields, at a listed grant, or above the list. */
export interface PlacedRefusal {
  draft: Partial<Record<DraftField, string>>;
  /** By the listed grant's key. */
  rows: Record<string, string>;
  other: FieldDetail[];
}

const GRANT_FIELD = /^grants\[(\d+)\](?:\.(kind|name|expires))?$/;

export function placeRefusal(violations: FieldDetail[], sent: SentGrant[]): PlacedRefusal {
  const placed: PlacedRefusal = { draft: {}, rows: {}, other: [] };
  for (const v of violations) {
    const m = GRANT_FIELD.exec(v.field);
    const grant = m ? sent[Number(m[1])] : undefined;
    if (!grant) {
      placed.other.push(v);
    } else if (grant.keeps) {
      placed.rows[grant.keeps] ??= v.rule;
    } else {
      // A grant refused as a whole ("given twice") is refused at its name.
      placed.draft[(m![2] as DraftField | undefined) ?? "name"] ??= v.rule;
    }
  }
  return placed;
}
