// Taking the user to a form's errors: the launcher and a running service's change form alike.

import { useEffect, useRef, useState } from "react";
import type { FormField } from "../../api/types";
import { firstSectionWithErrors, type FieldErrors, type RangePair } from "./formModel";
import type { Values } from "./paths";

/**
 * pointAt selects the first tab with an error and, once it is drawn, focuses the first field
 * with one inside editor (the element holding the form).
 */
export function useErrorFocus(root: FormField | undefined, values: Values, pairs: Map<string, RangePair>, setTab: (id: string) => void) {
  const editor = useRef<HTMLDivElement>(null);
  const [focusing, setFocusing] = useState(0);
  useEffect(() => {
    if (focusing > 0) editor.current?.querySelector<HTMLElement>("[role=tabpanel] [aria-invalid=true]")?.focus();
  }, [focusing]);
  const pointAt = (errors: FieldErrors) => {
    const first = firstSectionWithErrors(root, values, pairs, errors);
    if (first) setTab(first);
    setFocusing((n) => n + 1);
  };
  return { editor, pointAt };
}
