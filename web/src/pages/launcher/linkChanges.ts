// What a launch link changes, as the confirmation screen shows it: each change with the form's
// field it lands in, and flags for what deserves a second look before launching.

import type { FormField, FormChange as LinkChange } from "../../api/types";

/** Why a change deserves a second look. */
export type ChangeFlag = "script" | "url" | "hidden";

export interface ReviewedChange extends LinkChange {
  /** The form's field at that path, when the form draws one. */
  field?: FormField;
  flags: ChangeFlag[];
}

// Words of a key naming code the service runs: Onyxia's init.personalInit and init.regionInit,
// a startup script, a command and its arguments, an entrypoint, a hook.
const SCRIPT_WORDS = new Set(["init", "script", "scripts", "command", "commands", "cmd", "entrypoint", "args", "arguments", "hook", "hooks", "exec"]);
// Words of a key naming where the service connects or what it fetches.
const ADDRESS_WORDS = new Set(["url", "urls", "uri", "endpoint", "host", "hostname", "domain", "repository", "registry", "proxy", "address"]);
const URL_VALUE = /\b[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+@[\w.-]+:/i;

/** The words of a path's keys: personalInitArgs is personal, init, args. */
function words(path: string): string[] {
  return path
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** The flags of one change: scripts by their key, URLs by their key or their value. */
export function changeFlags(change: LinkChange, field?: FormField): ChangeFlag[] {
  const flags: ChangeFlag[] = [];
  if (words(change.path).some((w) => SCRIPT_WORDS.has(w))) flags.push("script");
  const last = change.path.split(/[.[\]"]+/).filter(Boolean).at(-1) ?? "";
  if (!change.removed && (URL_VALUE.test(changeText(change.value)) || words(last).some((w) => ADDRESS_WORDS.has(w)))) flags.push("url");
  if (field?.hidden || field?.readonly) flags.push("hidden");
  return flags;
}

/** The form's fields by their dotted path. */
export function fieldsByPath(root: FormField | undefined): Map<string, FormField> {
  const fields = new Map<string, FormField>();
  const walk = (f: FormField) => {
    fields.set(f.path, f);
    f.fields?.forEach(walk);
  };
  if (root) walk(root);
  return fields;
}

/** The link's changes with their fields and flags, those with a flag first. */
export function reviewChanges(changes: LinkChange[], root: FormField | undefined): ReviewedChange[] {
  const fields = fieldsByPath(root);
  const reviewed = changes.map((c) => {
    const field = fields.get(c.path);
    return { ...c, field, flags: changeFlags(c, field) };
  });
  const weight = (c: ReviewedChange) => (c.flags.includes("script") ? 0 : c.flags.includes("url") ? 1 : c.flags.length > 0 ? 2 : 3);
  return reviewed.map((c, i) => ({ c, i })).sort((a, b) => weight(a.c) - weight(b.c) || a.i - b.i).map(({ c }) => c);
}

/** A change's value as text: strings as they are, anything else as JSON. */
export function changeText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}
