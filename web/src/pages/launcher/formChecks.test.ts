import { describe, expect, it } from "vitest";
import type { FormField } from "../../api/types";
import { translate, type MessageKey } from "../../i18n";
import { fixture, fixtures } from "../../test/launchForms";
import { checkValues, numberText, readNumberText, standingErrors, unitNumber, type CheckScope } from "./formChecks";
import { errorsByPath, initialValues, rangePairs } from "./formModel";
import { setIn, type Values } from "./paths";

const say = (key: MessageKey, vars?: Record<string, string | number>) => translate("en", key, vars);

const root: FormField = {
  path: "",
  widget: "group",
  fields: [
    { path: "user", key: "user", type: "string", widget: "text", title: "User", value: "jdoe", pattern: "^[a-z_][a-z0-9_]{0,62}$" },
    { path: "port", key: "port", type: "integer", widget: "integer", title: "Port", value: 5432, minimum: 1, maximum: 65535 },
    { path: "ratio", key: "ratio", type: "number", widget: "number", title: "Ratio", value: 0.5, minimum: 0 },
    { path: "mode", key: "mode", type: "string", widget: "select", title: "Mode", value: "a", options: ["a", "b"] },
    { path: "debug", key: "debug", type: "boolean", widget: "checkbox", title: "Debug", value: false },
    { path: "gpu", key: "gpu", type: "number", widget: "slider", title: "GPU", value: 1, slider: { min: 0, max: 4 } },
    { path: "platform", key: "platform", type: "string", widget: "text", value: "x", hidden: true, pattern: "^y$" },
    {
      path: "env",
      key: "env",
      type: "array",
      widget: "list",
      title: "Env",
      value: [],
      items: { path: "env[]", type: "string", widget: "text", pattern: "^[A-Z_]+$" },
    },
  ],
};

function check(values: Values, scope: Partial<CheckScope> = {}) {
  const initial = initialValues(root);
  return Object.fromEntries(checkValues(root, values, { initial, linked: new Set(), pairs: rangePairs(root), ...scope }, say));
}

describe("the form's checks", () => {
  it("find nothing wrong in the pre-filled values", () => {
    expect(check(initialValues(root))).toEqual({});
  });

  it("check patterns, bounds, whole numbers, list options, types and emptied numbers, with one rule per field", () => {
    let v = initialValues(root);
    v = setIn(v, ["user"], "J Doe");
    v = setIn(v, ["port"], 70000);
    v = setIn(v, ["ratio"], undefined);
    v = setIn(v, ["mode"], "c");
    v = setIn(v, ["debug"], "yes");
    v = setIn(v, ["gpu"], 4.5);
    v = setIn(v, ["env"], ["OK", "not ok"]);
    expect(check(v)).toEqual({
      user: ["must match the pattern ^[a-z_][a-z0-9_]{0,62}$"],
      port: ["must be between 1 and 65535"],
      ratio: ["a value is required"],
      mode: ["must be one of: a, b"],
      debug: ["must be true or false"],
      gpu: ["must be between 0 and 4"],
      "env[1]": ["must match the pattern ^[A-Z_]+$"],
    });
    expect(check(setIn(setIn(initialValues(root), ["port"], 80.5), ["ratio"], -1))).toEqual({
      port: ["must be a whole number"],
      ratio: ["must be at least 0"],
    });
    expect(check(setIn(setIn(initialValues(root), ["port"], "eighty"), ["user"], 42))).toEqual({
      port: ["must be a number"],
      user: ["must be text"],
    });
  });

  it("leave the platform's fields, hidden ones and the chart's own values to the server, but check what a link set", () => {
    const bad = setIn(initialValues(root), ["platform"], "z");
    expect(check(bad)).toEqual({});
    // Hidden for the current values: the user cannot see it to correct it.
    const jupyter = fixture("jupyter").root!;
    const initial = initialValues(jupyter);
    const emptied = setIn(setIn(initial, ["persistence", "size"], undefined), ["persistence", "enabled"], false);
    expect(Object.fromEntries(checkValues(jupyter, emptied, { initial, linked: new Set(), pairs: rangePairs(jupyter) }, say))).toEqual({});
    expect(Object.fromEntries(checkValues(jupyter, setIn(emptied, ["persistence", "enabled"], true), { initial, linked: new Set(), pairs: rangePairs(jupyter) }, say))).toEqual({
      "persistence.size": ["a value is required"],
    });
    // The link's value is the form's initial one: checked all the same.
    const linked = setIn(initialValues(root), ["port"], 0);
    expect(check(linked, { initial: linked })).toEqual({});
    expect(check(linked, { initial: linked, linked: new Set(["port"]) })).toEqual({ port: ["must be between 1 and 65535"] });
  });

  it("check slider units and the order of a range's ends, at the request and naming the limit", () => {
    const jupyter = fixture("jupyter").root!;
    const initial = initialValues(jupyter);
    const scope = { initial, linked: new Set<string>(), pairs: rangePairs(jupyter) };
    let v = setIn(initial, ["resources", "limits", "memory"], "1Gi");
    expect(Object.fromEntries(checkValues(jupyter, v, scope, say))).toEqual({
      "resources.requests.memory": ["must not exceed Memory limit (1Gi)"],
    });
    v = setIn(initial, ["resources", "limits", "cpu"], "banana");
    v = setIn(v, ["persistence", "size"], "8");
    expect(Object.fromEntries(checkValues(jupyter, v, scope, say))).toEqual({
      "resources.limits.cpu": ["must be a number followed by m"],
      "persistence.size": ["must be a number followed by Gi"],
    });
  });

  it("check required keys, lengths in characters and a list's number of items, and no more than the server does", () => {
    const form: FormField = {
      path: "",
      widget: "group",
      fields: [
        { path: "login", key: "login", type: "string", widget: "text", value: "jdoe", required: true, minLength: 3, maxLength: 8 },
        { path: "motto", key: "motto", type: "string", widget: "text", value: "hi", required: true },
        { path: "pin", key: "pin", type: "string", widget: "password", value: "1234", minLength: 4 },
        { path: "workers", key: "workers", type: "integer", widget: "integer", required: true },
        {
          path: "tags",
          key: "tags",
          type: "array",
          widget: "list",
          value: ["a"],
          minItems: 1,
          maxItems: 2,
          items: { path: "tags[]", type: "string", widget: "text", maxLength: 3 },
        },
        {
          path: "env",
          key: "env",
          type: "array",
          widget: "list",
          value: [{ name: "A", size: 1 }],
          items: {
            path: "env[]",
            type: "object",
            widget: "group",
            fields: [
              { path: "env[0].name", key: "name", type: "string", widget: "text", required: true },
              { path: "env[0].size", key: "size", type: "integer", widget: "integer", required: true },
              { path: "env[0].note", key: "note", type: "string", widget: "text" },
            ],
          },
        },
      ],
    };
    const initial = initialValues(form);
    const run = (v: Values, lang: "en" | "fr" = "en", linked: ReadonlySet<string> = new Set()) =>
      Object.fromEntries(checkValues(form, v, { initial, linked, pairs: new Map() }, (k, x) => translate(lang, k, x)));
    expect(run(initial)).toEqual({});
    // A required key left out of the values (a link unset it) is not missing to the server,
    // which keeps the chart's value.
    expect(run(setIn(initial, ["login"], undefined), "en", new Set(["login", "workers"]))).toEqual({});

    let v = setIn(initial, ["login"], "jo");
    v = setIn(v, ["pin"], "");
    v = setIn(v, ["tags"], []);
    v = setIn(v, ["env"], [{ size: 2 }, { name: "B" }, { name: "C", size: 3 }]);
    expect(run(v)).toEqual({
      login: ["must be at least 3 characters long"],
      pin: ["a value is required"],
      tags: ["must have at least 1 item"],
      // A list goes whole: what its items lack, the server does not take from elsewhere.
      "env[0].name": ["a value is required"],
      "env[1].size": ["a value is required"],
    });

    v = setIn(initial, ["login"], "jdoe-the-third");
    v = setIn(v, ["tags"], ["a", "bb", "cccc"]);
    expect(run(v)).toEqual({
      login: ["must be at most 8 characters long"],
      tags: ["must have at most 2 items"],
      "tags[2]": ["must be at most 3 characters long"],
    });
    expect(run(v, "fr")).toEqual({
      login: ["doit compter au plus 8 caractères"],
      tags: ["doit compter au plus 2 éléments"],
      "tags[2]": ["doit compter au plus 3 caractères"],
    });

    // What the server accepts passes: an empty text where only the key is required, characters
    // counted as the server counts them (code points, not UTF-16 units), an optional key left
    // out of an item, an emptied text without a least length.
    v = setIn(initial, ["motto"], "");
    v = setIn(v, ["login"], "😀😀😀😀😀😀😀😀");
    v = setIn(v, ["tags"], ["😀😀😀", "é"]);
    v = setIn(v, ["env"], [{ name: "", size: 1 }]);
    expect(run(v)).toEqual({});
  });

  it("check the required name of an environment variable of Onyxia's jupyter-python", () => {
    const form = fixture("onyxia-jupyter-python-2.5.2").root!;
    const initial = initialValues(form);
    const scope = { initial, linked: new Set<string>(), pairs: rangePairs(form) };
    const withVars = (vars: unknown[]) => Object.fromEntries(checkValues(form, setIn(initial, ["extraEnvVars"], vars), scope, say));
    expect(withVars([{ name: "TOKEN", value: "x" }])).toEqual({});
    expect(withVars([{ value: "x" }])).toEqual({ "extraEnvVars[0].name": ["a value is required"] });
    // Present but empty: the schema's pattern refuses it, as the server does.
    expect(withVars([{ name: "", value: "x" }])).toEqual({ "extraEnvVars[0].name": ["must match the pattern ^[a-zA-Z_][a-zA-Z0-9_]*$"] });
  });

  it.each(Object.keys(fixtures).sort())("accept every pre-filled value of %s, all taken as changed", (name) => {
    const form = fixture(name).root!;
    const initial = initialValues(form);
    const everything = { has: () => true } as unknown as ReadonlySet<string>;
    expect(Object.fromEntries(checkValues(form, initial, { initial, linked: everything, pairs: rangePairs(form) }, say))).toEqual({});
  });

  it("are in French too", () => {
    const initial = initialValues(root);
    const errors = checkValues(root, setIn(initial, ["port"], 0), { initial, linked: new Set(), pairs: new Map() }, (k, x) => translate("fr", k, x));
    expect(errors.get("port")).toEqual(["doit être entre 1 et 65535"]);
  });
});

describe("number fields' text", () => {
  it("reads numbers with their unit, keeps anything else as typed", () => {
    expect(readNumberText("8", "Gi")).toBe("8Gi");
    expect(readNumberText(" 1.5 ", "Gi")).toBe("1.5Gi");
    expect(readNumberText("2000m", "m")).toBe("2000m");
    expect(readNumberText("12", undefined)).toBe(12);
    expect(readNumberText("", "Gi")).toBeUndefined();
    expect(readNumberText("banana", "m")).toBe("banana");
    expect(readNumberText("0x10", undefined)).toBe("0x10");
    expect(numberText("8Gi", "Gi")).toBe("8");
    expect(numberText("banana", "m")).toBe("banana");
    expect(numberText(8, "Gi")).toBe("8");
    expect(numberText(undefined, "Gi")).toBe("");
    expect(unitNumber("8Gi", "Gi")).toBe(8);
    expect(unitNumber(8, "Gi")).toBeUndefined();
    expect(unitNumber("8Mi", "Gi")).toBeUndefined();
    expect(unitNumber(3, undefined)).toBe(3);
  });
});

describe("the server's errors", () => {
  const jupyter = fixture("jupyter").root!;
  const pairs = rangePairs(jupyter);
  const sent = initialValues(jupyter);
  const refusal = {
    errors: errorsByPath([
      { field: "git.name", rule: "r1" },
      { field: "resources.requests.memory", rule: "must not exceed resources.limits.memory" },
      { field: "name", rule: "too long" },
    ]),
    values: sent,
    settings: { name: "nb", shared: false },
  };
  const standing = (values: Values, name = "nb") => [...standingErrors(refusal, values, { name, shared: false }, pairs).keys()];

  it("stand while their field holds what was sent", () => {
    expect(standing(sent)).toEqual(["git.name", "resources.requests.memory", "name"]);
  });

  it("go when their field changes, or the other end of a range, or the request's own setting", () => {
    expect(standing(setIn(sent, ["git", "name"], "Ada"))).toEqual(["resources.requests.memory", "name"]);
    expect(standing(setIn(sent, ["resources", "limits", "memory"], "64Gi"))).toEqual(["git.name", "name"]);
    expect(standing(sent, "notebook")).toEqual(["git.name", "resources.requests.memory"]);
    expect(standingErrors(null, sent, {}, pairs).size).toBe(0);
  });
});
