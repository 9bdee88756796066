import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en, type MessageKey, type Messages } from "./en";
import { fr } from "./fr";

/** Every language the portal has strings for. */
export const catalogs = { en, fr } satisfies Record<string, Messages>;
export type Language = keyof typeof catalogs;
export const supportedLanguages = Object.keys(catalogs) as Language[];

const STORAGE_KEY = "basalt.language";

export function isLanguage(v: unknown): v is Language {
  return typeof v === "string" && Object.hasOwn(catalogs, v);
}

/** Replaces each {name} in msg by vars[name]; unknown placeholders are left as they are. */
export function format(msg: string, vars?: Record<string, string | number>): string {
  if (!vars) return msg;
  return msg.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : whole,
  );
}

export function translate(lang: Language, key: MessageKey, vars?: Record<string, string | number>): string {
  return format(catalogs[lang][key] ?? en[key], vars);
}

/**
 * The languages to offer: those the instance enables and the portal has strings for,
 * in the instance's order; all of them before the configuration has arrived.
 * Never empty: English when nothing matches.
 */
export function offeredLanguages(configured: readonly string[] | undefined): Language[] {
  if (configured === undefined) return [...supportedLanguages];
  const offered = configured.filter(isLanguage);
  return offered.length > 0 ? [...new Set(offered)] : ["en"];
}

/** The user's saved choice, else the browser's first offered language, else the instance's first. */
export function pickLanguage(
  offered: readonly Language[],
  saved: string | null,
  browser: readonly string[],
): Language {
  if (saved && (offered as readonly string[]).includes(saved)) return saved as Language;
  for (const tag of browser) {
    const base = tag.toLowerCase().split("-")[0];
    const hit = offered.find((l) => l === base);
    if (hit) return hit;
  }
  return offered[0] ?? "en";
}

function readSaved(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export interface I18n {
  language: Language;
  languages: Language[];
  setLanguage(lang: Language): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ languages, children }: { languages?: readonly string[]; children: ReactNode }) {
  const offered = useMemo(() => offeredLanguages(languages), [languages]);
  const [chosen, setChosen] = useState<Language>(() =>
    pickLanguage(offered, readSaved(), typeof navigator === "undefined" ? [] : navigator.languages ?? []),
  );
  const language = offered.includes(chosen) ? chosen : (offered[0] ?? "en");

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback((lang: Language) => {
    setChosen(lang);
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }, []);

  const value = useMemo<I18n>(
    () => ({ language, languages: offered, setLanguage, t: (key, vars) => translate(language, key, vars) }),
    [language, offered, setLanguage],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}

export function useT() {
  return useI18n().t;
}

/** Whether n takes the singular in lang ("1 service"; in French also "0 service"). */
export function isOne(lang: string, n: number): boolean {
  return new Intl.PluralRules(lang).select(n) === "one";
}
