// Where DuckDB reads a file of the user's storage from. A region whose store browsers reach
// redirects a read to a short-lived link the store signs (files/content?redirect=true): the
// bytes then skip Basalt. Whether this browser can follow it (the store must allow this
// origin, and the Range header, through CORS) is checked by reading the file's first byte that
// way; when it cannot, or the store signs no links (local files), DuckDB reads through Basalt's
// own endpoint, which answers ranges too.
import { sizeFromContentRange } from "./runtimePatch";

export interface FileSource {
  /** The address DuckDB reads with range requests. */
  url: string;
  /** The file's size in bytes. */
  size: number;
  /** True when the bytes come from the store itself through a signed link. */
  fromStore: boolean;
  /** When the link stops working (a signed link lives a few minutes); Infinity for Basalt's. */
  expiresAt: number;
}

/**
 * How long a signed link is trusted after it was made. The server signs them for 5 minutes
 * (filepolicy's redirectLinkExpiry): a query starting later asks for a new one.
 */
export const SIGNED_LINK_TRUST_MS = 4 * 60 * 1000;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Finds how to read a file: contentUrl is Basalt's files/content address of it (with its
 * region); tryStore asks for the store's signed link first.
 */
export async function resolveSource(
  contentUrl: string,
  tryStore: boolean,
  doFetch: FetchLike = (i, init) => globalThis.fetch(i, init),
  now: () => number = Date.now,
): Promise<FileSource> {
  if (tryStore) {
    const viaStore = await firstByte(`${contentUrl}&redirect=true`, doFetch).catch(() => null);
    if (viaStore && viaStore.size !== null) {
      const own = new URL(contentUrl, globalThis.location?.href ?? "http://localhost/");
      const landed = new URL(viaStore.url || own.href, own);
      const fromStore = landed.origin !== own.origin || landed.pathname !== own.pathname;
      return {
        url: fromStore ? landed.href : contentUrl,
        size: viaStore.size,
        fromStore,
        expiresAt: fromStore ? now() + SIGNED_LINK_TRUST_MS : Number.POSITIVE_INFINITY,
      };
    }
  }
  const own = await firstByte(contentUrl, doFetch);
  if (own.size === null) throw new Error(own.error ?? "the server did not say the file's size");
  return { url: contentUrl, size: own.size, fromStore: false, expiresAt: Number.POSITIVE_INFINITY };
}

interface FirstByte {
  url: string;
  size: number | null;
  error?: string;
}

async function firstByte(url: string, doFetch: FetchLike): Promise<FirstByte> {
  const res = await doFetch(url, { headers: { Range: "bytes=0-0" }, credentials: "same-origin" });
  const body = await res.arrayBuffer().catch(() => new ArrayBuffer(0));
  if (res.status === 206) return { url: res.url, size: sizeFromContentRange(res.headers.get("Content-Range")) };
  if (res.status === 200) return { url: res.url, size: body.byteLength }; // a server that ignores Range: the whole file came
  let error = `${res.status} ${res.statusText}`.trim();
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { error?: { message?: string } };
    if (parsed.error?.message) error = parsed.error.message;
  } catch {
    // not Basalt's error shape
  }
  return { url: res.url, size: null, error };
}
