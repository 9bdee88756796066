import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { en } from "./en";
import { catalogs, format, offeredLanguages, pickLanguage, supportedLanguages } from "./i18n";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("catalogues", () => {
  const keys = Object.keys(en).sort();

  it.each(supportedLanguages)("%s has exactly the English keys", (lang) => {
    expect(Object.keys(catalogs[lang]).sort()).toEqual(keys);
  });

  it.each(supportedLanguages)("%s has no empty string and the same placeholders", (lang) => {
    const cat = catalogs[lang] as Record<string, string>;
    for (const key of keys) {
      expect(cat[key]?.trim(), `${lang}:${key}`).toBeTruthy();
      expect(placeholders(cat[key]!), `${lang}:${key}`).toEqual(placeholders(en[key as keyof typeof en]));
    }
  });

  it("names every supported language", () => {
    for (const lang of supportedLanguages) expect(keys).toContain(`lang.${lang}`);
  });

  it("has no key that the source never uses", () => {
    // Keys are used literally, or built from a prefix such as `lang.${l}` or `header.theme.${p}`.
    const src = join(import.meta.dirname, "..");
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !p.includes("i18n")) files.push(p);
      }
    };
    walk(src);
    const code = files.map((f) => readFileSync(f, "utf8")).join("\n");
    const dynamic = ["lang.", "header.theme.", "cmd.action."];
    const unused = keys.filter((k) => !code.includes(`"${k}"`) && !dynamic.some((d) => k.startsWith(d)));
    expect(unused).toEqual([]);
  });
});

describe("wording", () => {
  it("names an email address one way in each language: courriel in French, email in English", () => {
    const matching = (cat: Record<string, string>, re: RegExp) => Object.entries(cat).filter(([, text]) => re.test(text));
    expect(matching(catalogs.fr as Record<string, string>, /e-?mail/i)).toEqual([]);
    expect(matching(catalogs.fr as Record<string, string>, /courriel/i).length).toBeGreaterThan(0);
    expect(matching(en, /e-mail/i)).toEqual([]);
  });
});

describe("format", () => {
  it("fills placeholders and leaves unknown ones", () => {
    expect(format("Hello {name}, {x}", { name: "Ada" })).toBe("Hello Ada, {x}");
    expect(format("{n} items", { n: 3 })).toBe("3 items");
  });
});

describe("language choice", () => {
  it("offers the configured languages the portal knows, in order", () => {
    expect(offeredLanguages(["fr", "de", "en"])).toEqual(["fr", "en"]);
    expect(offeredLanguages(["de"])).toEqual(["en"]);
    expect(offeredLanguages(undefined)).toEqual(supportedLanguages);
  });

  it("prefers the saved choice, then the browser, then the first offered", () => {
    expect(pickLanguage(["en", "fr"], "fr", ["en-US"])).toBe("fr");
    expect(pickLanguage(["en", "fr"], "de", ["fr-FR", "en"])).toBe("fr");
    expect(pickLanguage(["fr", "en"], null, ["ja"])).toBe("fr");
    expect(pickLanguage(["en"], "fr", ["fr"])).toBe("en");
  });
});
