// What the launch form checks before anything goes to the server: the constraints the form
// description carries (types, bounds, slider units, lengths, patterns, list options and
// lengths, required keys, a request not above its limit), in the user's language. The server checks them again, and more: the form
// spares the round trip and keeps the value as the user (or a link) wrote it.

import type { FormField } from "../../api/types";
import type { MessageKey } from "../../i18n";
import { isHidden, type FieldErrors, type RangePair } from "./formModel";
import { deepEqual, formatPath, getIn, parsePath, type Segment, type Values } from "./paths";

export type Say = (key: MessageKey, vars?: Record<string, string | number>) => string;

export interface CheckScope {
  /** The values the form opened with (a link's included): the checks are on what differs from them... */
  initial: Values;
  /** ...and on what a launch link set, by the form's dotted paths. */
  linked: ReadonlySet<string>;
  pairs: Map<string, RangePair>;
}

// A decimal number as Go's ParseFloat reads it, without its "Inf" and hexadecimal forms.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a value holds, written with unit ("8Gi") or, without one, as a number; undefined if none. */
export function unitNumber(v: unknown, unit: string | undefined): number | undefined {
  if (typeof v === "number") return unit ? undefined : v;
  if (typeof v !== "string") return undefined;
  const s = unit ? (v.endsWith(unit) ? v.slice(0, -unit.length) : undefined) : v;
  return s !== undefined && DECIMAL.test(s) ? Number(s) : undefined;
}

/** A number field's text: the number without its unit, or the value as it was written. */
export function numberText(v: unknown, unit: string | undefined): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string" && unit && v.endsWith(unit) && DECIMAL.test(v.slice(0, -unit.length))) return v.slice(0, -unit.length);
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * The value of a number field's text: a number (with the unit, "<n><unit>") when it reads as
 * one, undefined when empty, else the text as typed, for the checks to refuse and show.
 */
export function readNumberText(text: string, unit: string | undefined): unknown {
  const s = text.trim();
  if (s === "") return undefined;
  const bare = unit && s.endsWith(unit) ? s.slice(0, -unit.length) : s;
  if (!DECIMAL.test(bare)) return s;
  return unit ? `${Number(bare)}${unit}` : Number(bare);
}

const shown = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const MAX_LISTED = 8;

function bounds(say: Say, min: number | undefined, max: number | undefined, unit = ""): string {
  if (min !== undefined && max !== undefined) return say("launcher.check.between", { min: `${min}${unit}`, max: `${max}${unit}` });
  if (min !== undefined) return say("launcher.check.atLeast", { min: `${min}${unit}` });
  return say("launcher.check.atMost", { max: `${max}${unit}` });
}

function matches(pattern: string, s: string): boolean {
  try {
    return new RegExp(pattern, "u").test(s);
  } catch {
    // A pattern JavaScript cannot read is the server's to check.
    return true;
  }
}

/** The number of characters of a text as the server counts them: Unicode code points. */
const characters = (s: string) => [...s].length;

/** What a count breaks of its bounds: one key for a bound of 1, another for the rest. */
function countRule(n: number, min: number | undefined, max: number | undefined, say: Say, keys: { min: [MessageKey, MessageKey]; max: [MessageKey, MessageKey] }): string | undefined {
  if (min !== undefined && n < min) return say(keys.min[min === 1 ? 0 : 1], { min });
  if (max !== undefined && n > max) return say(keys.max[max === 1 ? 0 : 1], { max });
  return undefined;
}

const LENGTH = {
  // Shorter than 1 is empty, which is said as a value required: a least length here is 2 or more.
  min: ["launcher.check.minLength", "launcher.check.minLength"],
  max: ["launcher.check.maxLength.one", "launcher.check.maxLength.other"],
} satisfies Record<string, [MessageKey, MessageKey]>;
const ITEMS = {
  min: ["launcher.check.minItems.one", "launcher.check.minItems.other"],
  max: ["launcher.check.maxItems.one", "launcher.check.maxItems.other"],
} satisfies Record<string, [MessageKey, MessageKey]>;

/**
 * The first rule a field's value breaks, or undefined. had: the form opened with a value
 * there; inList: the field is in a list's item.
 */
function fieldRule(f: FormField, v: unknown, had: boolean, inList: boolean, say: Say): string | undefined {
  const empty = v === undefined || v === "";
  // A key the values leave out, the server takes from the chart's values (or the running
  // service's), but not in a list's item: a list goes whole, and a required key missing
  // there is refused.
  const missing = v === undefined && !!f.required && inList;
  switch (f.widget) {
    case "checkbox":
      return typeof v === "boolean" ? undefined : say("launcher.check.boolean");
    case "number":
    case "integer": {
      if (empty) return had || missing ? say("launcher.check.required") : undefined;
      if (typeof v !== "number" || !Number.isFinite(v)) return say("launcher.check.number");
      if (f.widget === "integer" && !Number.isInteger(v)) return say("launcher.check.integer");
      if ((f.minimum !== undefined && v < f.minimum) || (f.maximum !== undefined && v > f.maximum)) return bounds(say, f.minimum, f.maximum);
      return undefined;
    }
    case "slider":
    case "rangeSlider": {
      if (empty) return had || missing ? say("launcher.check.required") : undefined;
      const s = f.slider ?? { min: 0, max: 100 };
      const n = unitNumber(v, s.unit);
      if (n === undefined) return s.unit ? say("launcher.check.numberWithUnit", { unit: s.unit }) : say("launcher.check.number");
      return n < s.min || n > s.max ? bounds(say, s.min, s.max, s.unit) : undefined;
    }
  }
  if (missing) return say("launcher.check.required");
  if (f.options && f.options.length > 0 && !f.options.some((o) => deepEqual(o, v))) {
    const listed = f.options.slice(0, MAX_LISTED).map(shown).join(", ");
    return say("launcher.check.oneOf", { options: f.options.length > MAX_LISTED ? `${listed}, …` : listed });
  }
  if (f.type === "string" && v !== null && v !== undefined && typeof v !== "string") return say("launcher.check.text");
  if (typeof v !== "string") return undefined;
  // An empty text is a value to JSON Schema's required: only a least length refuses it.
  if (v === "" && (f.minLength ?? 0) > 0) return say("launcher.check.required");
  const length = countRule(characters(v), f.minLength, f.maxLength, say, LENGTH);
  if (length) return length;
  if (f.pattern && !matches(f.pattern, v)) return say("launcher.check.pattern", { pattern: f.pattern });
  return undefined;
}

/**
 * The rules the values break, by the server's dotted paths. Only what the user changed or a
 * link set is checked: the chart's own pre-filled values are the server's business (the form
 * description does not say everything the schema allows, a null in a string field for one).
 * What the user cannot see or change (the platform's fields, those hidden for the current
 * values) and free-form objects are left to the server.
 */
export function checkValues(root: FormField | undefined, values: Values, scope: CheckScope, say: Say): FieldErrors {
  const out: FieldErrors = new Map();
  const add = (path: string, rule: string) => out.set(path, [...(out.get(path) ?? []), rule]);
  const touched = (at: readonly Segment[]) => scope.linked.has(formatPath(at)) || !deepEqual(getIn(values, at), getIn(scope.initial, at));
  // list: the field is in an item of a list, which goes to the server whole; changed: the
  // list was changed (or set by a link), and so is every item's field.
  const walk = (f: FormField, at: Segment[], list?: { changed: boolean }) => {
    if (isHidden(f, values) || f.readonly || f.widget === "yaml") return;
    if (f.widget === "group") {
      for (const c of f.fields ?? []) if (c.key !== undefined) walk(c, [...at, c.key], list);
      return;
    }
    const v = getIn(values, at);
    if (f.widget === "list") {
      if (!Array.isArray(v)) return;
      const changed = !!list?.changed || touched(at);
      const rule = changed ? countRule(v.length, f.minItems, f.maxItems, say, ITEMS) : undefined;
      if (rule) add(formatPath(at), rule);
      if (f.items) v.forEach((_, i) => walk(f.items!, [...at, i], { changed }));
      return;
    }
    if (!list?.changed && !touched(at)) return;
    const rule = fieldRule(f, v, getIn(scope.initial, at) !== undefined, !!list, say);
    if (rule) add(formatPath(at), rule);
  };
  if (root) walk(root, []);

  // A request above its limit: said at the request, naming the limit, as the server does.
  for (const p of scope.pairs.values()) {
    if (isHidden(p.down, values) || isHidden(p.up, values) || p.down.readonly || p.up.readonly) continue;
    const downAt = parsePath(p.down.path);
    const upAt = parsePath(p.up.path);
    if (!touched(downAt) && !touched(upAt)) continue;
    const unit = p.up.slider?.unit;
    const lo = unitNumber(getIn(values, downAt), p.down.slider?.unit ?? unit);
    const hi = unitNumber(getIn(values, upAt), unit);
    if (lo !== undefined && hi !== undefined && lo > hi) {
      add(p.down.path, say("launcher.check.notAbove", { other: p.up.title || p.up.key || p.up.path, value: `${hi}${unit ?? ""}` }));
    }
  }
  return out;
}

/** A's errors and b's, each rule once. */
export function mergeErrors(a: FieldErrors, b: FieldErrors): FieldErrors {
  const out: FieldErrors = new Map(a);
  for (const [k, rules] of b) out.set(k, [...new Set([...(out.get(k) ?? []), ...rules])]);
  return out;
}

/** A launch the server refused: its field errors, with what was sent. */
export interface Refusal {
  errors: FieldErrors;
  values: Values;
  /** The request's own fields (name, shared) as they were sent. */
  settings: Record<string, unknown>;
}

/**
 * The server's errors that still stand: those whose field (and, for one end of a range
 * slider, the other end) holds what was sent. A field the user changed loses its error; the
 * next launch is checked anew.
 */
export function standingErrors(refusal: Refusal | null, values: Values, settings: Record<string, unknown>, pairs: Map<string, RangePair>): FieldErrors {
  const out: FieldErrors = new Map();
  if (!refusal) return out;
  const partner = new Map<string, string>();
  for (const p of pairs.values()) {
    partner.set(p.down.path, p.up.path);
    partner.set(p.up.path, p.down.path);
  }
  const same = (path: string) => deepEqual(getIn(values, parsePath(path)), getIn(refusal.values, parsePath(path)));
  for (const [path, rules] of refusal.errors) {
    const other = partner.get(path);
    const settingChanged = Object.hasOwn(refusal.settings, path) && refusal.settings[path] !== settings[path];
    if (same(path) && (other === undefined || same(other)) && !settingChanged) out.set(path, rules);
  }
  return out;
}
