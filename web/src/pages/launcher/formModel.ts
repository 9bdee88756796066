// What the launch form is made of, computed from the server's form description: the values
// it starts with, which fields are hidden for the current values, the range sliders, the tabs.

import type { FormField } from "../../api/types";
import { deepEqual, formatPath, getIn, isPlainObject, parsePath, setIn, type Segment, type Values } from "./paths";

/** The values a form starts with: every field's pre-filled value, in a tree. */
export function initialValues(root: FormField | undefined): Values {
  if (!root) return {};
  const v = fieldValue(root);
  return isPlainObject(v) ? v : {};
}

function fieldValue(f: FormField): unknown {
  if (f.widget === "group" && f.fields) {
    let out: Values = {};
    for (const c of f.fields) {
      if (!c.key) continue;
      const v = fieldValue(c);
      if (v !== undefined) out = setIn(out, [c.key], v);
    }
    return out;
  }
  return f.value === undefined ? undefined : structuredClone(f.value);
}

/**
 * The values a launch sends: the form's, less those of the fields the platform sets (always
 * hidden or read-only) that the user left as pre-filled. The server fills those in itself,
 * some with what it draws anew for each launch (the random part of an Ingress's host name),
 * which the form's copy would contradict; one the user did change still goes, to be refused.
 */
export function launchValues(root: FormField | undefined, values: Values, initial: Values): Values {
  let out = values;
  const visit = (f: FormField, at: Segment[]) => {
    if (f.hidden || f.readonly) {
      if (deepEqual(getIn(out, at), getIn(initial, at))) out = setIn(out, at, undefined);
      return;
    }
    if (f.widget !== "group" || !f.fields) return;
    for (const c of f.fields) if (c.key) visit(c, [...at, c.key]);
  };
  if (root?.fields) for (const c of root.fields) if (c.key) visit(c, [c.key]);
  return out;
}

/** The value of a new item of a list: its defaults, field by field for an object. */
export function newItem(items: FormField | undefined): unknown {
  if (!items) return "";
  if (items.default !== undefined) return structuredClone(items.default);
  if (items.widget === "group" && items.fields) {
    let out: Values = {};
    for (const c of items.fields) {
      if (!c.key) continue;
      const v = newItem(c);
      if (v !== undefined) out = setIn(out, [c.key], v);
    }
    return out;
  }
  switch (items.widget) {
    case "checkbox":
      return false;
    case "number":
    case "integer":
      return items.minimum ?? 0;
    case "select":
      return items.options?.[0] ?? "";
    case "slider":
    case "rangeSlider":
      return items.slider?.unit ? `${items.slider.min}${items.slider.unit}` : (items.slider?.min ?? 0);
    case "yaml":
      return items.type === "array" ? [] : {};
    case "list":
      return [];
  }
  return "";
}

/**
 * Whether a field is hidden for the current values: always (x-onyxia hidden, hidden: true),
 * or while the value at its condition's path deep-equals the condition's value. The path is
 * absolute and dotted as the server sends it (it resolves Onyxia's relative ones); an
 * absolute '/'-separated one is understood too.
 */
export function isHidden(f: FormField, values: Values): boolean {
  if (f.hidden) return true;
  const c = f.hiddenWhen;
  if (!c) return false;
  return deepEqual(getIn(values, conditionPath(c.path)), c.value);
}

function conditionPath(path: string): Segment[] {
  if (!path.includes("/")) return parsePath(path);
  const out: Segment[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(/^\d+$/.test(seg) ? Number(seg) : seg);
  }
  return out;
}

/** A range slider: the two ends of one sliderRangeId, drawn where their paths meet. */
export interface RangePair {
  id: string;
  down: FormField;
  up: FormField;
  /** The dotted path of the group both ends are under. */
  anchor: string;
}

/** The complete range pairs of a form, by id (an end without its pair is a plain slider). */
export function rangePairs(root: FormField | undefined): Map<string, RangePair> {
  const ends = new Map<string, { down?: FormField; up?: FormField }>();
  const walk = (f: FormField) => {
    if (f.widget === "rangeSlider" && f.slider?.rangeId) {
      const e = ends.get(f.slider.rangeId) ?? {};
      if (f.slider.extremity === "up") e.up ??= f;
      else e.down ??= f;
      ends.set(f.slider.rangeId, e);
    }
    f.fields?.forEach(walk);
  };
  if (root) walk(root);
  const out = new Map<string, RangePair>();
  for (const [id, e] of ends) {
    if (!e.down || !e.up) continue;
    const a = parsePath(e.down.path).slice(0, -1);
    const b = parsePath(e.up.path).slice(0, -1);
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    out.set(id, { id, down: e.down, up: e.up, anchor: formatPath(a.slice(0, n)) });
  }
  return out;
}

/** Whether a field is one end of a complete range pair (drawn by the pair, not alone). */
export function inPair(f: FormField, pairs: Map<string, RangePair>): boolean {
  const id = f.slider?.rangeId;
  if (f.widget !== "rangeSlider" || !id) return false;
  const p = pairs.get(id);
  return !!p && (p.down === f || p.up === f);
}

/** Whether anything of a field would be drawn for the current values. */
export function isVisible(f: FormField, values: Values, pairs: Map<string, RangePair>, at = parsePath(f.path)): boolean {
  if (isHidden(f, values)) return false;
  if (f.widget !== "group") return !inPair(f, pairs);
  const here = formatPath(at);
  for (const p of pairs.values()) if (p.anchor === here && !(isHidden(p.down, values) && isHidden(p.up, values))) return true;
  return (f.fields ?? []).some((c) => c.key !== undefined && isVisible(c, values, pairs, [...at, c.key]));
}

/** One tab of the form. */
export interface Section {
  /** The top-level key, or GENERAL for the top-level fields that are not groups. */
  id: string;
  title: string;
  description?: string;
  fields: FormField[];
  /** The group the tab shows, when it is one. */
  group?: FormField;
}

export const GENERAL = "__general";

/**
 * The tabs: one per top-level group, list or free-form object, and one ("general") first for
 * the top-level single fields. Sections with nothing visible are left out.
 */
export function sections(root: FormField | undefined, values: Values, pairs: Map<string, RangePair>): Section[] {
  if (!root?.fields) return [];
  const general: FormField[] = [];
  const out: Section[] = [];
  for (const f of root.fields) {
    if (!f.key || !isVisible(f, values, pairs)) continue;
    if (f.widget === "group" || f.widget === "list" || f.widget === "yaml") {
      out.push({
        id: f.key,
        title: f.title || f.key,
        description: f.description,
        fields: f.widget === "group" ? (f.fields ?? []) : [f],
        group: f.widget === "group" ? f : undefined,
      });
    } else general.push(f);
  }
  if (general.length > 0) out.unshift({ id: GENERAL, title: "", fields: general });
  return out;
}

/** Field errors by the server's dotted path. */
export type FieldErrors = Map<string, string[]>;

export function errorsByPath(violations: { field: string; rule: string }[]): FieldErrors {
  const out: FieldErrors = new Map();
  for (const v of violations) out.set(v.field, [...(out.get(v.field) ?? []), v.rule]);
  return out;
}

/** The errors under a path (itself, its items and its fields). */
export function errorsUnder(errors: FieldErrors, path: string): number {
  let n = 0;
  for (const [k, rules] of errors) {
    if (path === "" || k === path || k.startsWith(`${path}.`) || k.startsWith(`${path}[`)) n += rules.length;
  }
  return n;
}

/** The tab holding the first field with an error, to select after a refusal. */
export function firstSectionWithErrors(
  root: FormField | undefined,
  values: Values,
  pairs: Map<string, RangePair>,
  errors: FieldErrors,
): string | undefined {
  if (errors.size === 0) return undefined;
  return sections(root, values, pairs).find((s) =>
    s.id === GENERAL ? s.fields.some((f) => errorsUnder(errors, f.path) > 0) : errorsUnder(errors, s.id) > 0,
  )?.id;
}

/**
 * The errors that no visible field shows (hidden fields, the request's own fields such as
 * `shared` or `link`): they are listed above the form.
 */
export function unplacedErrors(errors: FieldErrors, root: FormField | undefined, values: Values): [string, string[]][] {
  const shown = new Set<string>();
  const walk = (f: FormField, at: Segment[], value: unknown) => {
    if (at.length > 0 && isHidden(f, values)) return;
    const here = formatPath(at);
    if (f.widget === "group") {
      for (const c of f.fields ?? []) if (c.key) walk(c, [...at, c.key], getIn(value, [c.key]));
      return;
    }
    shown.add(here);
    if (f.widget === "list" && Array.isArray(value) && f.items) {
      value.forEach((item, i) => walk(f.items!, [...at, i], item));
    }
    if (f.widget === "yaml") for (const k of errors.keys()) if (k.startsWith(`${here}.`) || k.startsWith(`${here}[`)) shown.add(k);
  };
  if (root) walk(root, [], values);
  return [...errors].filter(([k]) => !shown.has(k));
}
