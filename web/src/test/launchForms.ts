// The captured form descriptions, by name (see fixtures/README.md).
import type { Form as LaunchFormDescription } from "../api/types";

const files = import.meta.glob<LaunchFormDescription>("../pages/launcher/fixtures/*.json", { eager: true, import: "default" });

export const fixtures: Record<string, LaunchFormDescription> = Object.fromEntries(
  Object.entries(files).map(([path, form]) => [path.replace(/^.*\/(.*)\.json$/, "$1"), form]),
);

export function fixture(name: string): LaunchFormDescription {
  const f = fixtures[name];
  if (!f) throw new Error(`no fixture ${name}`);
  return structuredClone(f);
}
