import { ApiError, CLIENT_CODES, decodeError } from "./errors";
import type { InstanceConfig, VersionInfo } from "./types";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Prefix of every path; "/api/v1" on the server that serves the portal. */
  baseUrl?: string;
  fetch?: FetchLike;
}

/** The typed client of Basalt's /api/v1. Every method rejects with an ApiError. */
export interface ApiClient {
  getConfig(signal?: AbortSignal): Promise<InstanceConfig>;
  getVersion(signal?: AbortSignal): Promise<VersionInfo>;
}

export function createApiClient(opts: ApiClientOptions = {}): ApiClient {
  const baseUrl = (opts.baseUrl ?? "/api/v1").replace(/\/+$/, "");
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(baseUrl + path, {
        method: "GET",
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw new ApiError(0, CLIENT_CODES.network, err instanceof Error ? err.message : String(err));
    }
    const body = await res.text();
    if (!res.ok) throw decodeError(res.status, res.statusText, body);
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new ApiError(res.status, CLIENT_CODES.badResponse, `${path}: the response is not JSON`);
    }
  }

  return {
    getConfig: (signal) => get<InstanceConfig>("/config", signal),
    getVersion: (signal) => get<VersionInfo>("/version", signal),
  };
}
