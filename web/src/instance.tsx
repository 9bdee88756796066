import { createContext, useContext, useEffect } from "react";
import type { Features, UIConfig as InstanceConfig } from "./api/types";
import { localize, type LocalizedText } from "./format";
import { useI18n } from "./i18n";

/** The instance configuration, present everywhere under the shell. */
export const InstanceContext = createContext<InstanceConfig | null>(null);

export function useInstance(): InstanceConfig {
  const config = useContext(InstanceContext);
  if (!config) throw new Error("useInstance outside InstanceContext");
  return config;
}

/** Sets the tab title to "page · tab title" (ui.tab_title, else the instance's name). */
export function useDocumentTitle(page: string) {
  const { branding } = useInstance();
  const site = branding.tabTitle || branding.name;
  useEffect(() => {
    document.title = page ? `${page} · ${site}` : site;
  }, [page, site]);
}

/** localize() bound to the current language. */
export function useLocalized(): (text: LocalizedText | undefined) => string {
  const { language } = useI18n();
  return (text) => localize(text, language);
}

/**
 * The instance's feature switches; for servers older than them, all on except auto-launch,
 * which would start a link's service and scripts before the user has seen them.
 */
export function useFeatures(): Features {
  return useInstance().features ?? { commandPanel: true, autoLaunch: false, allCatalogs: true };
}
