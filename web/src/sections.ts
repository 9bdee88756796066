import type { MessageKey } from "./i18n";
import type { IconName } from "./components/Icon";

/** The portal's sections, in navigation order. */
export interface Section {
  id: string;
  path: string;
  nav: MessageKey;
  title: MessageKey;
  summary: MessageKey;
  icon: IconName;
}

export const sections: Section[] = [
  { id: "catalog", path: "/catalog", nav: "nav.catalog", title: "page.catalog.title", summary: "page.catalog.summary", icon: "catalog" },
  { id: "my-services", path: "/my-services", nav: "nav.myServices", title: "page.myServices.title", summary: "page.myServices.summary", icon: "services" },
  { id: "my-files", path: "/my-files", nav: "nav.myFiles", title: "page.myFiles.title", summary: "page.myFiles.summary", icon: "files" },
  { id: "explorer", path: "/explorer", nav: "nav.explorer", title: "page.explorer.title", summary: "page.explorer.summary", icon: "chart" },
  { id: "my-secrets", path: "/my-secrets", nav: "nav.mySecrets", title: "page.mySecrets.title", summary: "page.mySecrets.summary", icon: "secrets" },
  { id: "account", path: "/account", nav: "nav.account", title: "page.account.title", summary: "page.account.summary", icon: "account" },
];
