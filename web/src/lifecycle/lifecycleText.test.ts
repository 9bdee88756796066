import { describe, expect, it } from "vitest";
import type { LifecycleView } from "../api/types";
import { translate, type Language } from "../i18n";
import { testLifecycle } from "../test/fixtures";
import {
  formatDuration,
  formatRelative,
  launchSentence,
  noticeSentence,
  policySentences,
  stateSentences,
  type Words,
} from "./lifecycleText";

// Paris, so that the tests do not depend on the machine's zone; in March before the switch
// to summer time, Paris is UTC+1.
const words = (lang: Language): Words => ({ t: (k, v) => translate(lang, k, v), lang, timeZone: "Europe/Paris" });
const en = words("en");
const fr = words("fr");
const H = 3600;
const D = 86_400;
// Friday 14 March 2025, 11:00 in Paris.
const now = Date.parse("2025-03-14T10:00:00Z");

// A policy that takes no step unless the test gives one.
const view = (over: Partial<LifecycleView>): LifecycleView => testLifecycle({ suspendAfterIdleSeconds: 0, ...over });

describe("durations", () => {
  it("says a duration in at most two units, in both languages", () => {
    const cases: [number, string, string][] = [
      [45, "45 s", "45 s"],
      [70, "1 min 10 s", "1 min 10 s"],
      [30 * 60, "30 min", "30 min"],
      [8 * H, "8 h", "8 h"],
      [90 * 60, "1 h 30 min", "1 h 30 min"],
      [D, "1 day", "1 jour"],
      [7 * D, "7 days", "7 jours"],
      [36 * H, "1 day 12 h", "1 jour 12 h"],
      [D + H + 60, "1 day 1 h", "1 jour 1 h"],
    ];
    for (const [s, e, f] of cases) {
      expect(formatDuration(s, en), `${s} s`).toBe(e);
      expect(formatDuration(s, fr), `${s} s`).toBe(f);
    }
  });

  it("says how far a time is from now", () => {
    expect(formatRelative(new Date(now + 25 * 60_000), now, en)).toBe("in 25 minutes");
    expect(formatRelative(new Date(now - 3 * H * 1000), now, en)).toBe("3 hours ago");
    expect(formatRelative(new Date(now + 25 * 60_000), now, fr)).toBe("dans 25 minutes");
    expect(formatRelative(new Date(now - 3 * H * 1000), now, fr)).toBe("il y a 3 heures");
  });
});

describe("policies in words", () => {
  const policy = view({
    suspendAfterIdleSeconds: 8 * H,
    deleteAfterSuspendedSeconds: 7 * D,
    schedule: { suspendAt: "19:00", days: [], timeZone: "Europe/Paris" },
  });

  it("says each step of a policy", () => {
    expect(policySentences(policy, en)).toEqual([
      "Suspends after 8 h idle",
      "Suspended every day at 19:00 (Europe/Paris)",
      "Deleted 7 days after suspension",
    ]);
    expect(policySentences(policy, fr)).toEqual([
      "Suspendu après 8 h d’inactivité",
      "Suspendu chaque jour à 19:00 (Europe/Paris)",
      "Supprimé 7 jours après sa suspension",
    ]);
  });

  it("says the owner's idle time, the lifetime, working days and the morning start", () => {
    const l = view({
      suspendAfterIdleSeconds: 12 * H,
      ownerChoseIdle: true,
      maxLifetimeSeconds: 3 * D,
      schedule: { suspendAt: "19:00", resumeAt: "08:00", days: ["fri", "mon", "tue"], timeZone: "UTC" },
    });
    expect(policySentences(l, en)).toEqual([
      "Suspends after 12 h idle (your choice)",
      "Suspended after 3 days of running",
      "Suspended at 19:00 and started again at 08:00 on Mon, Tue, and Fri (UTC)",
    ]);
    expect(policySentences(l, fr)[2]).toBe("Suspendu à 19:00 et relancé à 08:00 le lun., mar. et ven. (UTC)");
  });

  it("says so when the policy takes no step", () => {
    expect(policySentences(view({ maxKeepSeconds: D }), en)).toEqual(["Never suspended nor deleted automatically"]);
  });

  it("says where the service stands: why suspended, kept until, last used", () => {
    const l = view({
      suspendAfterIdleSeconds: 8 * H,
      lastActive: new Date(now - 3 * H * 1000).toISOString(),
      keepUntil: "2025-03-15T19:00:00Z",
      suspendedBy: "fleet",
    });
    expect(stateSentences(l, false, now, en)).toEqual(["Kept until Sat, Mar 15, 20:00", "Last used 3 hours ago"]);
    expect(stateSentences(l, false, now, fr)).toEqual(["Gardé jusqu’au sam. 15 mars, 20:00", "Dernière utilisation il y a 3 heures"]);
    expect(stateSentences(l, true, now, en)).toEqual(["Suspended by an administrator", "Kept until Sat, Mar 15, 20:00"]);
  });
});

describe("notices in words", () => {
  it("says today, tomorrow or the day, at the user's time", () => {
    const today = { action: "suspend", reason: "idle", due: "2025-03-14T18:00:00Z" } as const;
    expect(noticeSentence("Jupyter", today, now, en)).toBe("Jupyter will be suspended today at 19:00: idle");
    expect(noticeSentence("Jupyter", today, now, fr)).toBe("Jupyter sera suspendu aujourd’hui à 19:00 : inactif");

    const tomorrow = { action: "suspend", reason: "schedule", due: "2025-03-15T07:00:00Z" } as const;
    expect(noticeSentence("Jupyter", tomorrow, now, en)).toBe("Jupyter will be suspended tomorrow at 08:00: end of working hours");
    expect(noticeSentence("Jupyter", tomorrow, now, fr)).toBe("Jupyter sera suspendu demain à 08:00 : fin des heures de travail");

    const later = { action: "delete", reason: "suspended", due: "2025-03-18T18:00:00Z" } as const;
    expect(noticeSentence("Jupyter", later, now, en)).toBe("Jupyter will be deleted on Tue, Mar 18 at 19:00: suspended for too long");
    expect(noticeSentence("Jupyter", later, now, fr)).toBe("Jupyter sera supprimé le mar. 18 mars à 19:00 : suspendu depuis trop longtemps");
  });

  it("counts days in the user's zone, not in UTC", () => {
    // 00:30 on Saturday in Paris, still Friday in UTC.
    const lateNight = Date.parse("2025-03-14T23:30:00Z");
    const due = { action: "suspend", reason: "lifetime", due: "2025-03-15T10:00:00Z" } as const;
    expect(noticeSentence("R", due, lateNight, en)).toBe("R will be suspended today at 11:00: longest running time reached");
  });
});

describe("the launcher's line", () => {
  const leads = { suspend: 30 * 60, delete: D };

  it("says the steps and how long before each the user is told", () => {
    expect(launchSentence(view({ suspendAfterIdleSeconds: 8 * H }), leads, en)).toBe(
      "This service will be suspended after 8 h without use; you will be told 30 min before.",
    );
    expect(launchSentence(view({ suspendAfterIdleSeconds: 8 * H }), leads, fr)).toBe(
      "Ce service sera suspendu après 8 h sans utilisation ; vous serez prévenu 30 min avant.",
    );
    expect(launchSentence(view({ suspendAfterIdleSeconds: 8 * H, deleteAfterSuspendedSeconds: 7 * D }), leads, en)).toBe(
      "This service will be suspended after 8 h without use and deleted 7 days after a suspension; you will be told 30 min before a suspension and 1 day before a deletion.",
    );
  });

  it("adds the idle time the owner may choose", () => {
    expect(launchSentence(view({ suspendAfterIdleSeconds: 8 * H, maxSuspendAfterIdleSeconds: D }), leads, en)).toBe(
      "This service will be suspended after 8 h without use; you will be told 30 min before. On its page, you may let it stay idle up to 1 day.",
    );
  });

  it("says nothing without a policy, and says so when the policy takes no step", () => {
    expect(launchSentence(undefined, leads, en)).toBe("");
    expect(launchSentence(view({}), leads, fr)).toBe("Basalt ne suspendra ni ne supprimera ce service de lui-même.");
  });
});
