// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run; colour contrast needs a real layout and is
// checked in Chromium by the end-to-end suite.
import { render, screen } from "@testing-library/react";
import { beforeEach, expect, it } from "vitest";
import { I18nProvider, translate } from "../../i18n";
import { axeViolations } from "../../test/axe";
import { fixture } from "../../test/launchForms";
import { checkValues } from "./formChecks";
import { FormErrorSummary } from "./FormErrorSummary";
import { errorsByPath, initialValues, rangePairs } from "./formModel";
import { LaunchForm } from "./LaunchForm";
import { setIn } from "./paths";

beforeEach(() => localStorage.setItem("basalt.language", "en"));

it("has no accessibility violation with the form's and the server's errors at their fields", async () => {
  const root = fixture("jupyter").root!;
  const initial = initialValues(root);
  const values = setIn(setIn(initial, ["resources", "limits", "cpu"], "banana"), ["resources", "limits", "memory"], "1Gi");
  const checked = checkValues(root, values, { initial, linked: new Set(), pairs: rangePairs(root) }, (k, x) => translate("en", k, x));
  const refused = errorsByPath([
    { field: "resources.limits.memory", rule: "must be at most the project's quota, 64Gi" },
    { field: "shared", rule: "only in group projects" },
  ]);
  const errors = new Map([...checked, ...refused]);
  const { container } = render(
    <I18nProvider languages={["en", "fr"]}>
      <FormErrorSummary errors={refused} checked={checked} root={root} values={values} />
      <LaunchForm root={root} values={values} errors={errors} tab="resources" onTab={() => {}} onChange={() => {}} />
    </I18nProvider>,
  );
  expect(screen.getByText("CPU limit: must be a number followed by m")).toBeTruthy();
  expect(screen.getByText("Memory request: must not exceed Memory limit (1Gi)")).toBeTruthy();
  expect(await axeViolations(container)).toEqual([]);
});

it("has no accessibility violation with a list's number of items and a text's length refused", async () => {
  const root = fixture("onyxia-jupyter-python-2.5.2").root!;
  const vars = root.fields!.find((f) => f.key === "extraEnvVars")!;
  vars.maxItems = 1;
  vars.items!.fields!.find((f) => f.key === "value")!.maxLength = 2;
  const initial = initialValues(root);
  const values = setIn(initial, ["extraEnvVars"], [
    { name: "A", value: "long" },
    { name: "B", value: "" },
  ]);
  const checked = checkValues(root, values, { initial, linked: new Set(), pairs: rangePairs(root) }, (k, x) => translate("en", k, x));
  const { container } = render(
    <I18nProvider languages={["en", "fr"]}>
      <FormErrorSummary errors={new Map()} checked={checked} root={root} values={values} sending="change" />
      <LaunchForm root={root} values={values} errors={checked} tab="extraEnvVars" onTab={() => {}} onChange={() => {}} />
    </I18nProvider>,
  );
  expect(screen.getByText("must have at most 1 item")).toBeTruthy();
  expect(screen.getByText("must be at most 2 characters long")).toBeTruthy();
  expect(screen.getByText("2 values to correct before reviewing the changes: see the fields marked below.")).toBeTruthy();
  expect(await axeViolations(container)).toEqual([]);
});
