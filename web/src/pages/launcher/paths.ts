// Paths into a values tree, written as the server writes them (core/internal/launch/values):
// dotted keys, [n] for indices, ["k.with.dots"] for keys that need quoting.

export type Segment = string | number;
export type Values = Record<string, unknown>;

/** Reads a dotted path: "a.b[0].c", "nodeSelector[\"node.kubernetes.io/type\"]". */
export function parsePath(s: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ".") {
      i++;
      continue;
    }
    if (c === "[") {
      if (s[i + 1] === '"') {
        // A JSON-quoted key, up to the closing quote not escaped.
        let j = i + 2;
        while (j < s.length && !(s[j] === '"' && s[j - 1] !== "\\")) j++;
        try {
          out.push(JSON.parse(s.slice(i + 1, j + 1)) as string);
        } catch {
          out.push(s.slice(i + 2, j));
        }
        i = j + 2;
        continue;
      }
      const j = s.indexOf("]", i);
      const inner = s.slice(i + 1, j < 0 ? undefined : j);
      out.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = j < 0 ? s.length : j + 1;
      continue;
    }
    let j = i;
    while (j < s.length && s[j] !== "." && s[j] !== "[") j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Writes a path as the server does, so that field errors match form paths. */
export function formatPath(path: readonly Segment[]): string {
  let out = "";
  path.forEach((seg, i) => {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (seg === "" || /[.[\]"]/.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += (i > 0 ? "." : "") + seg;
  });
  return out;
}

export function isPlainObject(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function getIn(root: unknown, path: readonly Segment[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === "number") cur = cur[seg];
    else if (isPlainObject(cur) && typeof seg === "string") cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/** A copy of root with value at path, creating the missing containers; undefined removes the key. */
export function setIn<T>(root: T, path: readonly Segment[], value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path as [Segment, ...Segment[]];
  if (typeof head === "number") {
    const arr = Array.isArray(root) ? [...(root as unknown[])] : [];
    arr[head] = setIn(arr[head], rest, value);
    return arr as T;
  }
  const obj: Values = isPlainObject(root) ? { ...root } : {};
  const next = setIn(obj[head], rest, value);
  if (next === undefined) delete obj[head];
  else obj[head] = next;
  return obj as T;
}

/** Structural equality of JSON values (Onyxia's hidden conditions compare deeply). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
