import { describe, expect, it, vi } from "vitest";
import { createApiClient } from "./client";
import { ApiError, decodeError } from "./errors";

function respond(status: number, body: string, statusText = "") {
  return vi.fn((_url: string, _init?: RequestInit) => Promise.resolve(new Response(body, { status, statusText })));
}

describe("decodeError", () => {
  it("keeps the code, message and details of Basalt's error shape", () => {
    const err = decodeError(
      404,
      "Not Found",
      JSON.stringify({ error: { code: "chart_not_found", message: "no chart jupyter", details: { chart: "jupyter" } } }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(404);
    expect(err.code).toBe("chart_not_found");
    expect(err.message).toBe("no chart jupyter");
    expect(err.details).toEqual({ chart: "jupyter" });
  });

  it("falls back to the status on a body that is not JSON", () => {
    const err = decodeError(502, "Bad Gateway", "<html>proxy error</html>");
    expect(err.code).toBe("http_502");
    expect(err.message).toBe("502 Bad Gateway");
  });

  it("falls back on JSON of another shape and on an empty body", () => {
    expect(decodeError(500, "", '{"message":"boom"}').code).toBe("http_500");
    expect(decodeError(500, "", '{"error":"boom"}').code).toBe("http_500");
    expect(decodeError(401, "", "").message).toBe("HTTP 401");
  });
});

describe("createApiClient", () => {
  it("gets the config from /api/v1/config", async () => {
    const body = { branding: { name: "X", logoUrl: "", palette: { primary: "#000" } }, languages: ["en"], version: "1" };
    const fetch = respond(200, JSON.stringify(body));
    const api = createApiClient({ fetch });
    await expect(api.getConfig()).resolves.toEqual(body);
    expect(fetch).toHaveBeenCalledWith("/api/v1/config", expect.objectContaining({ method: "GET" }));
  });

  it("joins a base URL without doubling slashes", async () => {
    const fetch = respond(200, '{"version":"1","commit":"c"}');
    await createApiClient({ baseUrl: "http://h/api/v1/", fetch }).getVersion();
    expect(fetch.mock.calls[0]?.[0]).toBe("http://h/api/v1/version");
  });

  it("rejects with the server's ApiError", async () => {
    const fetch = respond(403, '{"error":{"code":"forbidden","message":"not yours"}}', "Forbidden");
    const err = await createApiClient({ fetch }).getVersion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, code: "forbidden", message: "not yours" });
  });

  it("turns a network failure into status 0, network_error", async () => {
    const fetch = vi.fn(() => Promise.reject(new TypeError("Failed to fetch")));
    const err = await createApiClient({ fetch }).getConfig().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: "network_error", message: "Failed to fetch" });
  });

  it("reports a successful response that is not JSON", async () => {
    const fetch = respond(200, "<!doctype html>");
    const err = await createApiClient({ fetch }).getConfig().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 200, code: "bad_response" });
  });

  it("lets an abort through unchanged", async () => {
    const abort = new DOMException("aborted", "AbortError");
    const fetch = vi.fn(() => Promise.reject(abort));
    await expect(createApiClient({ fetch }).getConfig()).rejects.toBe(abort);
  });
});
