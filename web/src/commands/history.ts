import type { CommandAction } from "../api/client";
import type { CommandEntry } from "./commandLog";

/** Newest first, at most this many. */
export const MAX_KEPT = 50;
/** At most this many characters of JSON in localStorage (about 400 KB), the oldest dropped first. */
export const MAX_KEPT_CHARS = 200_000;

const PREFIX = "basalt.commandHistory.";

/** Each user's history apart: a shared browser does not show one user's commands to the next. */
export function historyKey(username: string): string {
  return PREFIX + username;
}

/**
 * The fields kept, and only those: the commands as the panel shows them, their secrets masked
 * by the API, and the API call's curl (its token an environment variable, secrets masked);
 * nothing else an entry may carry is written.
 */
function kept(e: CommandEntry) {
  return { action: e.action, target: e.target, commands: e.commands, change: e.change, at: e.at.toISOString(), ...(e.curl ? { curl: e.curl } : {}) };
}

/** The entries within MAX_KEPT and MAX_KEPT_CHARS, as the JSON to store. */
export function serializeHistory(entries: CommandEntry[]): string {
  const out = entries.slice(0, MAX_KEPT).map(kept);
  let json = JSON.stringify(out);
  while (json.length > MAX_KEPT_CHARS && out.length > 0) {
    out.pop();
    json = JSON.stringify(out);
  }
  return json;
}

/** The entries stored, numbered 0 (mergeHistory numbers them); what is not an entry is skipped. */
export function parseHistory(json: string | null): CommandEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json ?? "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: CommandEntry[] = [];
  for (const r of raw.slice(0, MAX_KEPT) as Record<string, unknown>[]) {
    const at = new Date(typeof r?.at === "string" ? r.at : NaN);
    if (
      typeof r?.action !== "string" ||
      typeof r.target !== "string" ||
      !Array.isArray(r.commands) ||
      !r.commands.every((c) => typeof c === "string") ||
      Number.isNaN(at.getTime())
    ) {
      continue;
    }
    const curl = typeof r.curl === "string" ? { curl: r.curl } : {};
    out.push({ id: 0, action: r.action as CommandAction, target: r.target, commands: r.commands as string[], change: r.change === true, at, ...curl });
  }
  return out;
}

const sameEntry = (a: CommandEntry, b: CommandEntry) =>
  a.at.getTime() === b.at.getTime() && a.action === b.action && a.target === b.target && a.commands.join("\n") === b.commands.join("\n");

/**
 * The stored history as the page's entries: an entry the page already holds stays the same
 * object (what revealed.ts keeps for it stays with it), the others are numbered by newId.
 * With keepUnstored (the first load), the page's entries the history lacks, recorded before
 * it was read, stay too, in time order.
 */
export function mergeHistory(current: CommandEntry[], stored: CommandEntry[], newId: () => number, keepUnstored = false): CommandEntry[] {
  const out = stored.map((s) => current.find((c) => sameEntry(c, s)) ?? { ...s, id: newId() });
  if (keepUnstored) {
    out.push(...current.filter((c) => !out.includes(c)));
    out.sort((a, b) => b.at.getTime() - a.at.getTime());
  }
  return out.slice(0, MAX_KEPT);
}

export function readHistory(key: string): CommandEntry[] {
  try {
    return parseHistory(localStorage.getItem(key));
  } catch {
    return []; // storage unavailable: the history lasts for this page only
  }
}

export function writeHistory(key: string, entries: CommandEntry[]) {
  try {
    if (entries.length === 0) localStorage.removeItem(key);
    else localStorage.setItem(key, serializeHistory(entries));
  } catch {
    // Storage unavailable or full: the history lasts for this page only.
  }
}
