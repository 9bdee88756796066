// English strings: the reference set. Every key here must exist in every other language
// (the type of fr.ts enforces it, and i18n.test.ts checks it again at run time).
// Placeholders are written {name}.
export const en = {
  "app.skipToContent": "Skip to main content",
  "app.loading": "Loading…",
  "app.loadError.title": "The portal could not start",
  "app.loadError.body": "The server did not send the instance configuration.",
  "app.loadError.detail": "Error: {message}",
  "app.retry": "Try again",

  "header.home": "{name}, home",
  "header.language": "Language",
  "header.theme": "Colour scheme",
  "header.theme.system": "System",
  "header.theme.light": "Light",
  "header.theme.dark": "Dark",
  "header.menu": "Menu",

  "nav.label": "Main",
  "nav.home": "Home",
  "nav.catalog": "Catalog",
  "nav.myServices": "My services",
  "nav.myFiles": "My files",
  "nav.mySecrets": "My secrets",
  "nav.account": "Account",
  "nav.version": "Basalt {version}",

  "lang.en": "English",
  "lang.fr": "Français",

  "home.title": "Welcome to {name}",
  "home.lead": "A workbench for data science: start tools such as notebooks and IDEs, work with your files and keep your secrets, all in one place.",
  "home.sections": "What you will find here",
  "home.notYet": "Not available yet",
  "home.instance": "About this instance",
  "home.instance.version": "Server version",
  "home.instance.commit": "Commit",
  "home.instance.unknown": "unknown",

  "page.catalog.title": "Catalog",
  "page.catalog.summary": "Browse the services you can launch, such as notebooks, IDEs and databases, and configure them before starting.",
  "page.myServices.title": "My services",
  "page.myServices.summary": "Follow the services you have launched, open them, pause, resume or delete them.",
  "page.myFiles.title": "My files",
  "page.myFiles.summary": "Browse your storage buckets, upload and download files, and share them.",
  "page.mySecrets.title": "My secrets",
  "page.mySecrets.summary": "Keep credentials and settings as secrets, and use them when launching services.",
  "page.account.title": "Account",
  "page.account.summary": "Your profile, credentials for storage and Git, and your interface preferences.",

  "notAvailable.title": "Not available yet",
  "notAvailable.body": "This part of the portal is not available on this server yet. It will appear here as soon as the server offers it.",
  "notAvailable.back": "Back to home",

  "notFound.title": "Page not found",
  "notFound.body": "There is no page at this address.",
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
