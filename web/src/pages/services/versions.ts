// Chart versions as Helm orders them (semantic versions), to tell whether a catalog offers a
// newer version of a running service's chart.

interface Parsed {
  core: number[];
  pre: string[];
}

const SEMVER = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function parse(v: string): Parsed | null {
  const m = SEMVER.exec(v.trim());
  if (!m) return null;
  return { core: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], pre: m[4] ? m[4].split(".") : [] };
}

function comparePre(a: string[], b: string[]): number {
  // A release is newer than its pre-releases.
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      if (Number(x) !== Number(y)) return Number(x) < Number(y) ? -1 : 1;
    } else if (nx !== ny) {
      return nx ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/**
 * Negative when a is older than b, positive when newer, 0 when equal. Versions that are not
 * semantic versions compare as text, after every semantic one.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) {
    if (pa || pb) return pa ? -1 : 1;
    return a === b ? 0 : a < b ? -1 : 1;
  }
  for (let i = 0; i < 3; i++) if (pa.core[i] !== pb.core[i]) return pa.core[i]! < pb.core[i]! ? -1 : 1;
  return comparePre(pa.pre, pb.pre);
}

/** The newest of versions (the catalog lists them newest first) when it is newer than current. */
export function updateAvailable(current: string, versions: readonly string[]): string | undefined {
  const newest = versions[0];
  return newest !== undefined && parse(newest) && compareVersions(newest, current) > 0 ? newest : undefined;
}
