// The region the user picked, kept in this browser: the API client sends it with every call.

const STORAGE_KEY = "basalt.region";

/** The region the user picked, as saved in this browser; undefined: the server's default. */
export function savedRegion(): string | undefined {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveRegion(id: string | undefined) {
  try {
    if (id) localStorage.setItem(STORAGE_KEY, id);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage unavailable: the choice lasts until the page reloads.
  }
}
