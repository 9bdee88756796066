export * from "./i18n";
export type { MessageKey } from "./en";
