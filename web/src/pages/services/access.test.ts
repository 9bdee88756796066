import { describe, expect, it } from "vitest";
import type { AccessView } from "../../api/types";
import { translate, type Language } from "../../i18n";
import type { Words } from "../../lifecycle/lifecycleText";
import { testService } from "../../test/fixtures";
import { openTargets, trafficSentences } from "./access";

const words = (lang: Language): Words => ({ t: (k, v) => translate(lang, k, v), lang });
const now = Date.parse("2025-03-14T10:00:00Z");
const gateway = "http://jupyter-1--user-alice.localhost:8080/";
const direct = "https://jupyter-1.lab.example.org";
const access = (over: Partial<AccessView> = {}): AccessView => ({ url: gateway, requests: 0, bytesIn: 0, bytesOut: 0, openWebSockets: 0, ...over });

describe("where Open goes", () => {
  it("goes through the gateway, the chart's addresses listed apart", () => {
    expect(openTargets(testService({ urls: [direct], access: access() }))).toEqual({ open: [gateway], direct: [direct], paused: false, simulated: false });
  });

  it("goes to the chart's addresses when the server has no gateway, or the service no host on it", () => {
    expect(openTargets(testService({ urls: [direct] }))).toEqual({ open: [direct], direct: [], paused: false, simulated: false });
    expect(openTargets(testService({ urls: [direct], access: access({ url: undefined }) }))).toEqual({ open: [direct], direct: [], paused: false, simulated: false });
  });

  it("goes nowhere when the service runs on simulated nodes", () => {
    expect(openTargets(testService({ simulated: true, urls: [direct], access: access() }))).toEqual({ open: [], direct: [], paused: false, simulated: true });
  });

  it("is disabled while the service is paused", () => {
    expect(openTargets(testService({ suspended: true, access: access() })).paused).toBe(true);
    expect(openTargets(testService({ status: "suspended", ready: false, urls: [direct] })).paused).toBe(true);
  });
});

describe("the gateway's traffic in words", () => {
  const three = new Date(now - 3 * 60_000).toISOString();

  it("says when the service was last opened and its open connections, in English and French", () => {
    const a = access({ lastRequest: three, requests: 12, openWebSockets: 2 });
    expect(trafficSentences(a, now, words("en"))).toEqual(["Last opened 3 minutes ago", "2 open connections"]);
    expect(trafficSentences(a, now, words("fr"))).toEqual(["Dernière ouverture il y a 3 minutes", "2 connexions ouvertes"]);
  });

  it("counts one connection in the singular", () => {
    const a = access({ lastRequest: three, openWebSockets: 1 });
    expect(trafficSentences(a, now, words("en"))[1]).toBe("1 open connection");
    expect(trafficSentences(a, now, words("fr"))[1]).toBe("1 connexion ouverte");
  });

  it("says less than a minute rather than a count of seconds", () => {
    const a = access({ lastRequest: new Date(now - 4_000).toISOString() });
    expect(trafficSentences(a, now, words("en"))).toEqual(["Last opened less than a minute ago"]);
    expect(trafficSentences(a, now, words("fr"))).toEqual(["Dernière ouverture il y a moins d’une minute"]);
  });

  it("says nothing the gateway did not see", () => {
    expect(trafficSentences(access(), now, words("en"))).toEqual([]);
    expect(trafficSentences(undefined, now, words("en"))).toEqual([]);
    expect(trafficSentences(access({ lastRequest: new Date(now - 2 * 3_600_000).toISOString() }), now, words("en"))).toEqual(["Last opened 2 hours ago"]);
  });
});
