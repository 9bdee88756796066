import type { Dispatch, SetStateAction } from "react";
import type { FormField } from "../../api/types";
import type { FieldErrors } from "./formModel";
import { FreeValues } from "./FreeValues";
import { LaunchForm } from "./LaunchForm";
import { setIn, type Segment, type Values } from "./paths";

/** A chart's values: its launch form, or its values as JSON when it has no values.schema.json. */
export function ValuesEditor({
  root,
  values,
  onValues,
  errors,
  disabled,
  tab,
  onTab,
}: {
  root?: FormField;
  values: Values;
  onValues: Dispatch<SetStateAction<Values>>;
  errors: FieldErrors;
  disabled: boolean;
  tab?: string;
  onTab(id: string): void;
}) {
  if (!root) return <FreeValues values={values} onChange={onValues} />;
  return (
    <LaunchForm
      root={root}
      values={values}
      onChange={(path: readonly Segment[], v: unknown) => onValues((prev) => setIn(prev, path, v))}
      errors={errors}
      disabled={disabled}
      tab={tab}
      onTab={onTab}
    />
  );
}
