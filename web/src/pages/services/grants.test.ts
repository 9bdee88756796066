import { describe, expect, it } from "vitest";
import type { AccessGrant } from "../../api/types";
import { fromLocalInput, toLocalInput } from "../../lifecycle/keepTime";
import { checkDraft, grantKey, grantsToSend, linkNumbers, newLink, placeRefusal, type GrantDraft } from "./grants";

const now = Date.parse("2025-03-14T10:00:00Z");
const DAY = 86_400_000;
const draft = (over: Partial<GrantDraft> = {}): GrantDraft => ({ kind: "user", name: "bob", expiry: "never", date: "", ...over });
const iso = (ms: number) => new Date(ms).toISOString();

describe("the grant being added", () => {
  it("is sent trimmed, with no expiry or the preset's from now", () => {
    expect(checkDraft(draft({ name: "  bob " }), "alice", now)).toEqual({ grant: { kind: "user", name: "bob" } });
    expect(checkDraft(draft({ kind: "group", name: "physics", expiry: "week" }), "alice", now)).toEqual({
      grant: { kind: "group", name: "physics", expires: iso(now + 7 * DAY) },
    });
    expect(checkDraft(draft({ expiry: "day" }), "alice", now)).toEqual({ grant: { kind: "user", name: "bob", expires: iso(now + DAY) } });
  });

  it("takes a chosen date within a year", () => {
    const date = toLocalInput(new Date(now + 200 * DAY));
    const got = checkDraft(draft({ expiry: "date", date }), "alice", now);
    expect(got).toEqual({ grant: { kind: "user", name: "bob", expires: fromLocalInput(date)!.toISOString() } });
  });

  it("is a link without a name, the server's to make, with its expiry", () => {
    // Whatever the name field held for another kind, a link is sent without one.
    expect(checkDraft(draft({ kind: "link", name: "bob" }), "alice", now)).toEqual({ grant: { kind: "link" } });
    expect(checkDraft(draft({ kind: "link", name: "", expiry: "month" }), "alice", now)).toEqual({ grant: { kind: "link", expires: iso(now + 30 * DAY) } });
    expect(checkDraft(draft({ kind: "link", expiry: "date", date: toLocalInput(new Date(now - DAY)) }), "alice", now)).toEqual({
      field: "expires",
      problem: "expires.past",
    });
  });

  it("names the field and the rule it breaks", () => {
    expect(checkDraft(draft({ name: " " }), "alice", now)).toEqual({ field: "name", problem: "name.empty" });
    expect(checkDraft(draft({ name: "x".repeat(129) }), "alice", now)).toEqual({ field: "name", problem: "name.long" });
    expect(checkDraft(draft({ name: "alice" }), "alice", now)).toEqual({ field: "name", problem: "name.owner" });
    // A group may bear the owner's name: only a user grant to the owner is pointless.
    expect(checkDraft(draft({ kind: "group", name: "alice" }), "alice", now)).toEqual({ grant: { kind: "group", name: "alice" } });
    expect(checkDraft(draft({ expiry: "date", date: "" }), "alice", now)).toEqual({ field: "expires", problem: "expires.invalid" });
    expect(checkDraft(draft({ expiry: "date", date: toLocalInput(new Date(now - DAY)) }), "alice", now)).toEqual({
      field: "expires",
      problem: "expires.past",
    });
    expect(checkDraft(draft({ expiry: "date", date: toLocalInput(new Date(now + 366 * DAY)) }), "alice", now)).toEqual({
      field: "expires",
      problem: "expires.beyond",
    });
  });
});

describe("the list sent", () => {
  const bob: AccessGrant = { kind: "user", name: "bob", expires: iso(now + DAY), by: "alice", created: iso(now - DAY) };
  const team: AccessGrant = { kind: "group", name: "data-team", by: "alice", created: iso(now - DAY) };
  const gone: AccessGrant = { kind: "user", name: "carol", expires: iso(now - 1000), by: "alice", created: iso(now - 2 * DAY) };

  it("keeps the grants shown, less the expired ones, and adds at the end", () => {
    expect(grantsToSend([bob, gone, team], now, { add: { kind: "project", name: "project-physics" } })).toEqual([
      { input: { kind: "user", name: "bob", expires: bob.expires }, keeps: "user/bob" },
      { input: { kind: "group", name: "data-team" }, keeps: "group/data-team" },
      { input: { kind: "project", name: "project-physics" } },
    ]);
  });

  it("replaces a grant of the same kind and name in its place", () => {
    const later = iso(now + 30 * DAY);
    expect(grantsToSend([bob, team], now, { add: { kind: "user", name: "bob", expires: later } })).toEqual([
      { input: { kind: "user", name: "bob", expires: later } },
      { input: { kind: "group", name: "data-team" }, keeps: "group/data-team" },
    ]);
    // A user and a group of the same name are two grants.
    expect(grantsToSend([bob], now, { add: { kind: "group", name: "bob" } })).toHaveLength(2);
  });

  it("keeps the links shown by their id and adds a new one without", () => {
    const link: AccessGrant = { kind: "link", name: "link-id-0123456789abcdef", url: "http://x/_basalt/link/link-id-0123456789abcdef", by: "alice" };
    expect(grantsToSend([link, bob], now, { add: { kind: "link" } })).toEqual([
      { input: { kind: "link", name: link.name }, keeps: "link/link-id-0123456789abcdef" },
      { input: { kind: "user", name: "bob", expires: bob.expires }, keeps: "user/bob" },
      { input: { kind: "link" } },
    ]);
    // A second new link is another link, not the first replaced.
    expect(grantsToSend([link], now, { remove: grantKey(link) })).toEqual([]);
  });

  it("leaves out the grant removed", () => {
    expect(grantsToSend([bob, team, gone], now, { remove: grantKey(bob) })).toEqual([{ input: { kind: "group", name: "data-team" }, keeps: "group/data-team" }]);
  });
});

describe("the server's refusal, placed", () => {
  const sent = [{ input: { kind: "user" as const, name: "bob" }, keeps: "user/bob" }, { input: { kind: "group" as const, name: "physics" } }];

  it("at the new grant's field, at a listed grant, or above the list", () => {
    expect(
      placeRefusal(
        [
          { field: "grants[1].expires", rule: "a time in the future, within a year" },
          { field: "grants[0].name", rule: "1 to 128 characters on one line" },
          { field: "grants", rule: "at most 32" },
          { field: "grants[7].kind", rule: "one of user, group, project" },
        ],
        sent,
      ),
    ).toEqual({
      draft: { expires: "a time in the future, within a year" },
      rows: { "user/bob": "1 to 128 characters on one line" },
      other: [
        { field: "grants", rule: "at most 32" },
        { field: "grants[7].kind", rule: "one of user, group, project" },
      ],
    });
  });

  it("at the new grant's name when the grant is refused as a whole", () => {
    expect(placeRefusal([{ field: "grants[1]", rule: "given twice" }], sent).draft).toEqual({ name: "given twice" });
    expect(placeRefusal([], sent)).toEqual({ draft: {}, rows: {}, other: [] });
  });
});

describe("the links", () => {
  const link = (name: string): AccessGrant => ({ kind: "link", name, url: `http://x/_basalt/link/${name}` });
  const bob: AccessGrant = { kind: "user", name: "bob" };

  it("are numbered from 1 in the order shown, other grants left out", () => {
    expect([...linkNumbers([link("a"), bob, link("b")])]).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
  });

  it("made by the server are the ones answered that were not shown", () => {
    expect(newLink([link("a"), bob], [link("a"), bob, link("c")])).toEqual(link("c"));
    expect(newLink([link("a")], [link("a"), bob])).toBeUndefined();
  });
});
