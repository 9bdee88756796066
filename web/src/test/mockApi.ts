import { vi } from "vitest";
import { createApiClient, type ApiClient, type EventSourceLike } from "../api/client";
import type { UIConfig as InstanceConfig, Me } from "../api/types";

// What a server with config/default.yaml's ui part sends, under another name and colour.
export const testConfig: InstanceConfig = {
  branding: { name: "Datalab Test", logoUrl: "/logo.svg", palette: { primary: "#0a7d55" }, darkPalette: { primary: "" }, font: {} },
  languages: ["en", "fr"],
  version: "1.2.3",
  auth: { mode: "local" },
  links: { header: [], footer: [], sideBar: [] },
  home: { callToAction: { label: {}, url: "" }, cards: [] },
  alert: { severity: "info", dismissible: true },
  terms: {},
  features: { commandPanel: true, autoLaunch: false, allCatalogs: true },
  bookmarks: [],
  regions: [],
};

export const testMe: Me = {
  username: "alice",
  name: "Alice Martin",
  email: "alice@example.org",
  groups: ["data-team"],
  roles: ["user"],
  projects: [
    { id: "user-alice", name: "alice" },
    { id: "project-data-team", name: "data-team", group: "data-team" },
  ],
};

export interface MockRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
}

/** What a handler answers: a body (200, JSON), or a Response built with reply(). */
export type MockHandler = (req: MockRequest) => unknown;
export type MockRoutes = Record<string, MockHandler | object>;

const REPLY = Symbol("reply");
interface Reply {
  [REPLY]: true;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A response with a status, e.g. reply(409, {error: {...}}). */
export function reply(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { [REPLY]: true, status, body, headers };
}

export function apiError(status: number, code: string, message: string, fields?: { field: string; rule: string }[]) {
  return reply(status, { error: { code, message, ...(fields ? { details: { fields } } : {}) } });
}

function match(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split("/");
  const xs = path.split("/");
  if (ps.length !== xs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(xs[i]!);
    else if (p !== xs[i]) return null;
  }
  return params;
}

/**
 * A fake /api/v1 over a mocked fetch: routes are "METHOD /path/:param"; every call is kept in
 * `calls`. /config, /version and /me answer by default. An unknown route answers 404.
 */
export function mockApi(routes: MockRoutes = {}) {
  const all: MockRoutes = {
    "GET /config": testConfig,
    "GET /version": { version: "1.2.3", commit: "abc1234" },
    "GET /me": testMe,
    ...routes,
  };
  const calls: MockRequest[] = [];
  const fetch = vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, "http://basalt.test");
    const path = url.pathname.replace(/^\/api\/v1/, "");
    const method = init?.method ?? "GET";
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : init?.body;
    for (const [key, handler] of Object.entries(all)) {
      const [m, pattern] = key.split(" ");
      if (m !== method) continue;
      const params = match(pattern!, path);
      if (!params) continue;
      const req: MockRequest = { method, path, query: url.searchParams, params, body, headers };
      calls.push(req);
      const out = typeof handler === "function" ? await (handler as MockHandler)(req) : handler;
      if (out instanceof Response) return out;
      if (out && typeof out === "object" && REPLY in out) {
        const r = out as Reply;
        const text = typeof r.body === "string" ? r.body : JSON.stringify(r.body);
        return new Response(r.status === 204 ? null : text, { status: r.status, headers: r.headers });
      }
      return new Response(JSON.stringify(out ?? {}), { status: 200, headers: { "Content-Type": "application/json" } });
    }
    calls.push({ method, path, query: url.searchParams, params: {}, body, headers });
    return new Response(JSON.stringify({ error: { code: "not_found", message: `no route ${method} ${path}` } }), { status: 404 });
  });
  const streams = new FakeEventSources();
  const uploads: FakeXhr[] = [];
  const client: ApiClient = createApiClient({
    fetch,
    eventSource: (url) => streams.open(url),
    xhr: () => {
      const x = new FakeXhr();
      uploads.push(x);
      return x as unknown as XMLHttpRequest;
    },
  });
  return { client, fetch, calls, streams, uploads, find: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path) };
}

/** Server-sent event streams the client opened, to push events into from a test. */
export class FakeEventSources {
  readonly opened: FakeEventSource[] = [];
  open(url: string): FakeEventSource {
    const es = new FakeEventSource(url);
    this.opened.push(es);
    return es;
  }
  last(): FakeEventSource {
    const es = this.opened[this.opened.length - 1];
    if (!es) throw new Error("no stream opened");
    return es;
  }
}

export class FakeEventSource implements EventSourceLike {
  closed = false;
  private listeners: Record<string, ((e: Event) => void)[]> = {};
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (e: Event) => void) {
    (this.listeners[type] ??= []).push(listener);
  }
  close() {
    this.closed = true;
  }
  /** Delivers a server-sent event with JSON data. */
  emit(type: string, data: unknown) {
    const e = new MessageEvent(type, { data: JSON.stringify(data) });
    for (const l of this.listeners[type] ?? []) l(e);
  }
}

/** An XMLHttpRequest for uploads that a test drives: progress, then respond or fail. */
export class FakeXhr {
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown;
  aborted = false;
  status = 0;
  statusText = "";
  responseText = "";
  private listeners: Record<string, ((e: unknown) => void)[]> = {};
  private uploadListeners: Record<string, ((e: unknown) => void)[]> = {};
  readonly upload = {
    addEventListener: (type: string, l: (e: unknown) => void) => (this.uploadListeners[type] ??= []).push(l),
  };
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  addEventListener(type: string, l: (e: unknown) => void) {
    (this.listeners[type] ??= []).push(l);
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    for (const l of this.listeners.abort ?? []) l({});
  }
  progress(loaded: number, total: number) {
    for (const l of this.uploadListeners.progress ?? []) l({ loaded, total, lengthComputable: true });
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    for (const l of this.listeners.load ?? []) l({});
  }
  /** The path query parameter the upload was sent to. */
  get path(): string | null {
    return new URL(this.url, "http://basalt.test").searchParams.get("path");
  }
}
