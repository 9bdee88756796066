// What changed between two versions of a secret, key by key: the versions view shows it with
// the values masked until the user reveals them.

export type KeyChangeKind = "added" | "removed" | "changed";

export interface KeyChange {
  key: string;
  kind: KeyChangeKind;
  /** Absent when the key was added. */
  before?: string;
  /** Absent when the key was removed. */
  after?: string;
}

export interface SecretDiff {
  /** By key, in alphabetical order. */
  changes: KeyChange[];
  /** How many keys both versions hold with the same value. */
  unchanged: number;
}

export function diffSecret(before: Record<string, string>, after: Record<string, string>): SecretDiff {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: KeyChange[] = [];
  let unchanged = 0;
  for (const key of keys) {
    const had = Object.hasOwn(before, key);
    const has = Object.hasOwn(after, key);
    if (had && has && before[key] === after[key]) unchanged++;
    else if (!had) changes.push({ key, kind: "added", after: after[key] });
    else if (!has) changes.push({ key, kind: "removed", before: before[key] });
    else changes.push({ key, kind: "changed", before: before[key], after: after[key] });
  }
  return { changes, unchanged };
}

/** A version's time to the second: two saves within a minute must read apart. */
export function formatVersionTime(iso: string | undefined, lang: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "medium" }).format(d);
}
