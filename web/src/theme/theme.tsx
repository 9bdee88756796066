import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { Palette } from "../api/types";

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

function isColor(value: string): boolean {
  if (typeof CSS !== "undefined" && typeof CSS.supports === "function") return CSS.supports("color", value);
  return parseHex(value) !== null;
}

/**
 * The CSS custom properties that carry the instance's palette. The light and dark
 * variants of the accent are derived in theme.css from --brand-primary.
 */
export function paletteVariables(palette: Palette | undefined): Record<string, string> {
  const primary = palette?.primary?.trim();
  if (!primary || !isColor(primary)) return {};
  return { "--brand-primary": primary, "--brand-on-primary": contrastText(primary) };
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
export function ThemeProvider({ palette, children }: { palette?: Palette; children: ReactNode }) {
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

  useEffect(() => {
    const vars = paletteVariables(palette);
    const style = document.documentElement.style;
    for (const [k, v] of Object.entries(vars)) style.setProperty(k, v);
    return () => {
      for (const k of Object.keys(vars)) style.removeProperty(k);
    };
  }, [palette]);

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
