import type { RegionInfo } from "../../api/types";

/** The account page's tabs, in their order (Onyxia's: information, git, storage, vault, kubernetes, interface). */
export const ACCOUNT_TABS = ["profile", "git", "storage", "vault", "kubernetes", "tokens", "preferences"] as const;
export type AccountTab = (typeof ACCOUNT_TABS)[number];

/** What the chosen region offers the account page, from /api/v1/config. */
export interface RegionOffers {
  /** A store, and so storage keys unless it lacks them. */
  files: boolean;
  storageKeys: boolean;
  /** A secrets store: git settings, S3 profiles, and a Vault token unless it lacks one. */
  secrets: boolean;
  secretsToken: boolean;
  services: boolean;
}

/**
 * What the region offers, so that the page asks only for that (a request the region cannot
 * answer would be a 501 at every visit). An instance that lists no region (an older server)
 * offers everything: its answers say what it lacks.
 */
export function regionOffers(region: RegionInfo | undefined): RegionOffers {
  if (!region) return { files: true, storageKeys: true, secrets: true, secretsToken: true, services: true };
  const lacks = region.lacks ?? [];
  return {
    files: region.files,
    storageKeys: region.files && !lacks.includes("storageCredentials"),
    secrets: region.secrets,
    secretsToken: region.secrets && !lacks.includes("secretsToken"),
    services: region.services,
  };
}

/**
 * The tabs of what the region has, and API tokens where the instance gives them. Vault stays when its store lacks tokens: it says so there
 * (the tab would otherwise vanish under the user the first time the region answers it lacks one).
 */
export function accountTabs(offers: RegionOffers, apiTokens = false): AccountTab[] {
  const shown: Record<AccountTab, boolean> = {
    profile: true,
    git: offers.secrets,
    storage: offers.files || offers.secrets,
    vault: offers.secrets,
    kubernetes: offers.services,
    tokens: apiTokens, // the instance's (/api/v1/config's auth.apiTokens), whatever the region
    preferences: true,
  };
  return ACCOUNT_TABS.filter((tab) => shown[tab]);
}
