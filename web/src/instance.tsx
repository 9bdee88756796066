import { createContext, useContext, useEffect } from "react";
import type { InstanceConfig } from "./api/types";

/** The instance configuration, present everywhere under the shell. */
export const InstanceContext = createContext<InstanceConfig | null>(null);

export function useInstance(): InstanceConfig {
  const config = useContext(InstanceContext);
  if (!config) throw new Error("useInstance outside InstanceContext");
  return config;
}

/** Sets the tab title to "page · instance name". */
export function useDocumentTitle(page: string) {
  const { branding } = useInstance();
  useEffect(() => {
    document.title = page ? `${page} · ${branding.name}` : branding.name;
  }, [page, branding.name]);
}
