import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { Branding, Colors as Palette } from "../api/types";

export type ThemePreference = "system" | "light" | "dark";
export type Scheme = "light" | "dark";
export const themePreferences: ThemePreference[] = ["system", "light", "dark"];

const STORAGE_KEY = "basalt.theme";
const DARK_QUERY = "(prefers-color-scheme: dark)";

/** Parses #rgb or #rrggbb; null for any other notation. */
export function parseHex(color: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m || !m[1]) return null;
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG relative luminance of an sRGB colour. */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Black or white, whichever reads better on the given background; white when unknown. */
export function contrastText(background: string): string {
  const rgb = parseHex(background);
  if (!rgb) return "#ffffff";
  const l = luminance(rgb);
  // Contrast against white is 1.05/(l+0.05), against black (l+0.05)/0.05.
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? "#ffffff" : "#111111";
}

// Hex, functional (rgb(), hsl(), oklch()…) or named colours: nothing that could carry url()
// or end the declaration, whatever the browser would accept.
const COLOR = /^(#[0-9a-f]{3,8}|(rgba?|hsla?|oklch|oklab|lab|lch)\([0-9a-z .,%/+-]*\)|[a-z]+)$/i;

function isColor(value: string): boolean {
  if (!COLOR.test(value)) return false;
  if (typeof CSS !== "undefined" && typeof CSS.supports === "function") return CSS.supports("color", value);
  return true;
}

/**
 * The CSS custom properties that carry the instance's palette for one scheme. The accent's
 * light and dark variants are derived in global.css from --brand-primary; in dark mode an
 * absent primary falls back to the light palette's, while backgrounds and text never do
 * (a light background in dark mode would be unreadable).
 */
export function paletteVariables(palette: Palette | undefined, scheme: Scheme = "light", light?: Palette): Record<string, string> {
  const vars: Record<string, string> = {};
  const color = (v: string | undefined) => {
    const c = v?.trim();
    return c && isColor(c) ? c : undefined;
  };
  const primary = color(palette?.primary) ?? (scheme === "dark" ? color(light?.primary) : undefined);
  if (primary) Object.assign(vars, { "--brand-primary": primary, "--brand-on-primary": contrastText(primary) });
  const secondary = color(palette?.secondary);
  if (secondary) Object.assign(vars, { "--brand-secondary": secondary, "--brand-on-secondary": contrastText(secondary) });
  const bg = color(palette?.background);
  if (bg) vars["--bg"] = bg;
  const surface = color(palette?.surface);
  if (surface) vars["--surface"] = surface;
  const text = color(palette?.text);
  if (text) {
    vars["--text"] = text;
    vars["--text-muted"] = `color-mix(in oklab, ${text} 68%, ${bg ?? surface ?? "transparent"})`;
  }
  if (surface) {
    vars["--surface-2"] = `color-mix(in oklab, ${surface} 92%, ${text ?? (scheme === "dark" ? "white" : "black")})`;
    vars["--border"] = `color-mix(in oklab, ${surface} 84%, ${text ?? (scheme === "dark" ? "white" : "black")})`;
  }
  return vars;
}

/** The configured font family, only if it is a plain font-family list (no declaration end). */
export function fontFamily(family: string | undefined): string | undefined {
  const f = family?.trim();
  return f && /^[\p{L}\p{N} ,'"_-]+$/u.test(f) ? f : undefined;
}

/** Sets or adds the <link> of the given rel (and id), or removes it for an empty href. */
function setLink(id: string, rel: string, href: string | undefined) {
  const existing = document.getElementById(id) as HTMLLinkElement | null;
  if (!href) {
    existing?.remove();
    return;
  }
  const link = existing ?? Object.assign(document.createElement("link"), { id, rel });
  if (link.getAttribute("href") !== href) link.href = href;
  if (!existing) document.head.appendChild(link);
}

/**
 * Applies the instance's branding to the document: palette of the current scheme as CSS
 * variables, font (and its style sheet), favicon. Exported for tests and the e2e rebranding.
 */
export function applyBranding(branding: Partial<Branding> | undefined, scheme: Scheme): () => void {
  const root = document.documentElement;
  const vars = paletteVariables(scheme === "dark" ? branding?.darkPalette : branding?.palette, scheme, branding?.palette);
  const family = fontFamily(branding?.font?.family);
  if (family) vars["--font"] = `${family}, system-ui, sans-serif`;
  for (const [k, v] of Object.entries(vars)) root.style.setProperty(k, v);
  setLink("basalt-font", "stylesheet", branding?.font?.cssUrl || undefined);
  setLink("basalt-favicon", "icon", branding?.faviconUrl || undefined);
  return () => {
    for (const k of Object.keys(vars)) root.style.removeProperty(k);
  };
}

function readSaved(): ThemePreference {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v === "light" || v === "dark" || v === "system") return v;
  } catch {
    // Storage unavailable.
  }
  return "system";
}

function systemScheme(): Scheme {
  return typeof matchMedia === "function" && matchMedia(DARK_QUERY).matches ? "dark" : "light";
}

interface ThemeState {
  preference: ThemePreference;
  scheme: Scheme;
  setPreference(p: ThemePreference): void;
}

const ThemeContext = createContext<ThemeState | null>(null);

/** Applies the palette and the light or dark scheme to the document root. */
export function ThemeProvider({ branding, children }: { branding?: Branding; children: ReactNode }) {
  const [preference, setPref] = useState<ThemePreference>(readSaved);
  const [system, setSystem] = useState<Scheme>(systemScheme);

  useEffect(() => {
    if (typeof matchMedia !== "function") return;
    const mq = matchMedia(DARK_QUERY);
    const onChange = () => setSystem(mq.matches ? "dark" : "light");
    mq.addEventListener?.("change", onChange);
    return () => mq.removeEventListener?.("change", onChange);
  }, []);

  const scheme: Scheme = preference === "system" ? system : preference;

  useEffect(() => {
    document.documentElement.dataset.theme = scheme;
  }, [scheme]);

  useEffect(() => applyBranding(branding, scheme), [branding, scheme]);

  const setPreference = useCallback((p: ThemePreference) => {
    setPref(p);
    try {
      localStorage.setItem(STORAGE_KEY, p);
    } catch {
      // Storage unavailable: the choice lasts for this page only.
    }
  }, []);

  const value = useMemo(() => ({ preference, scheme, setPreference }), [preference, scheme, setPreference]);
  return <ThemeContext.Provider value={value}>{children}</ThemeContext.Provider>;
}

export function useTheme(): ThemeState {
  const ctx = useContext(ThemeContext);
  if (!ctx) throw new Error("useTheme outside ThemeProvider");
  return ctx;
}
