// Formatting of sizes, dates, durations and Kubernetes quantities for display.
/** Language code to text, as the API writes localized strings. */
export type LocalizedText = Record<string, string>;

/** The text in the language, else English, else the first there is. */
export function localize(text: LocalizedText | null | undefined, lang: string): string {
  if (!text) return "";
  return text[lang] ?? text.en ?? Object.values(text)[0] ?? "";
}

/** A count in the language's number format: 12 345 → "12,345" (en), "12 345" (fr). */
export function formatNumber(n: number, lang: string): string {
  return new Intl.NumberFormat(lang).format(n);
}

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** A byte count with a decimal unit: 1 536 → "1.5 KB", in the language's number format. */
export function formatBytes(n: number, lang: string): string {
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  const digits = u === 0 || v >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(v)} ${UNITS[u]}`;
}

export function formatDateTime(iso: string | undefined, lang: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

/** Splits milliseconds into whole days, hours and minutes. */
export function splitDuration(ms: number): { days: number; hours: number; minutes: number } {
  const total = Math.max(0, Math.floor(ms / 60_000));
  return { days: Math.floor(total / 1440), hours: Math.floor((total % 1440) / 60), minutes: total % 60 };
}

/** Time left as h:mm:ss (or m:ss under an hour), for countdowns; never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("500m", "8Gi", "1e3", "4") as a number; NaN when unreadable. */
export function parseQuantity(q: string): number {
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([a-zA-Z]{0,2})$/.exec(q.trim());
  if (!m) return NaN;
  const value = Number(m[1]);
  const suffix = m[2] ?? "";
  if (suffix === "") return value;
  const factor = SUFFIXES[suffix];
  return factor === undefined ? NaN : value * factor;
}

export type QuotaLevel = "ok" | "warning" | "critical";

/** Onyxia's thresholds: a warning from 75 % of a limit, critical from 95 %. */
export const QUOTA_WARNING = 0.75;
export const QUOTA_CRITICAL = 0.95;

export function quotaLevel(ratio: number): QuotaLevel {
  if (ratio >= QUOTA_CRITICAL) return "critical";
  if (ratio >= QUOTA_WARNING) return "warning";
  return "ok";
}
