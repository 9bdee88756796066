import type { Messages } from "./en";

export const fr: Messages = {
  "app.skipToContent": "Aller au contenu principal",
  "app.loading": "Chargement…",
  "app.loadError.title": "Le portail n’a pas pu démarrer",
  "app.loadError.body": "Le serveur n’a pas envoyé la configuration de l’instance.",
  "app.loadError.detail": "Erreur : {message}",
  "app.retry": "Réessayer",

  "header.home": "{name}, accueil",
  "header.language": "Langue",
  "header.theme": "Thème de couleurs",
  "header.theme.system": "Système",
  "header.theme.light": "Clair",
  "header.theme.dark": "Sombre",
  "header.menu": "Menu",

  "nav.label": "Principale",
  "nav.home": "Accueil",
  "nav.catalog": "Catalogue",
  "nav.myServices": "Mes services",
  "nav.myFiles": "Mes fichiers",
  "nav.mySecrets": "Mes secrets",
  "nav.account": "Compte",
  "nav.version": "Basalt {version}",

  "lang.en": "English",
  "lang.fr": "Français",

  "home.title": "Bienvenue sur {name}",
  "home.lead": "Un espace de travail pour la science des données : lancez des outils comme des notebooks et des IDE, travaillez sur vos fichiers et gardez vos secrets, au même endroit.",
  "home.sections": "Ce que vous trouverez ici",
  "home.notYet": "Pas encore disponible",
  "home.instance": "À propos de cette instance",
  "home.instance.version": "Version du serveur",
  "home.instance.commit": "Commit",
  "home.instance.unknown": "inconnue",

  "page.catalog.title": "Catalogue",
  "page.catalog.summary": "Parcourez les services que vous pouvez lancer, comme des notebooks, des IDE et des bases de données, et configurez-les avant de les démarrer.",
  "page.myServices.title": "Mes services",
  "page.myServices.summary": "Suivez les services que vous avez lancés, ouvrez-les, mettez-les en pause, relancez-les ou supprimez-les.",
  "page.myFiles.title": "Mes fichiers",
  "page.myFiles.summary": "Parcourez vos espaces de stockage, déposez et téléchargez des fichiers, et partagez-les.",
  "page.mySecrets.title": "Mes secrets",
  "page.mySecrets.summary": "Conservez identifiants et réglages sous forme de secrets, et utilisez-les au lancement des services.",
  "page.account.title": "Compte",
  "page.account.summary": "Votre profil, vos identifiants de stockage et Git, et vos préférences d’affichage.",

  "notAvailable.title": "Pas encore disponible",
  "notAvailable.body": "Cette partie du portail n’est pas encore disponible sur ce serveur. Elle apparaîtra ici dès que le serveur la proposera.",
  "notAvailable.back": "Retour à l’accueil",

  "notFound.title": "Page introuvable",
  "notFound.body": "Il n’y a pas de page à cette adresse.",
};
