// The region the user picked, kept in this browser: the API client sends it with every call.

const STORAGE_KEY = "basalt.region";

// Where storage is unavailable, the choice lasts for this page.
let unsaved: string | undefined;
const listeners = new Set<() => void>();

/** The region the user picked, as saved in this browser; undefined: the server's default. */
export function savedRegion(): string | undefined {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return unsaved;
  }
}

export function saveRegion(id: string | undefined) {
  unsaved = id || undefined;
  try {
    if (id) localStorage.setItem(STORAGE_KEY, id);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage unavailable: kept in unsaved.
  }
  for (const l of listeners) l();
}

/**
 * Calls listener after every saveRegion, so that every component showing the region (the
 * header's switcher, a page that followed a link naming one) sees the change; returns the
 * unsubscribe.
 */
export function onRegionSaved(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
