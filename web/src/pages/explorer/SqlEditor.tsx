import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { PostgreSQL, sql, type SQLNamespace } from "@codemirror/lang-sql";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorSelection, EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap, placeholder as placeholderExt } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import styles from "./Explorer.module.css";

/** What the editor completes: tables and their columns, and files of the user's storage. */
export interface Completions {
  /** Tables by name, with their columns. */
  tables: Record<string, string[]>;
  /** Columns offered without a table (the last result's). */
  columns: string[];
  /** Lists a folder of the user's storage (bucket/folder/) for completing s3:// strings. */
  listFolder(path: string): Promise<{ folders: string[]; files: string[] }>;
}

export interface SqlEditorHandle {
  focus(): void;
  /** Puts the cursor at an offset and shows it (an error's position). */
  select(offset: number): void;
}

// Colours from the theme's variables, so that the editor follows light and dark.
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: "var(--sql-keyword)", fontWeight: "600" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--sql-string)" },
  { tag: [tags.number, tags.bool, tags.null], color: "var(--sql-number)" },
  { tag: tags.comment, color: "var(--text-muted)", fontStyle: "italic" },
  { tag: [tags.operator, tags.punctuation], color: "var(--text)" },
]);

/** Completes the path inside an s3:// string from the files API. */
function storagePaths(list: () => Completions["listFolder"]) {
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    const before = ctx.matchBefore(/'s3:\/\/[^'\s]*/);
    if (!before) return null;
    const typed = before.text.slice("'s3://".length);
    const folder = typed.slice(0, typed.lastIndexOf("/") + 1);
    if (!folder) return null; // a bucket is the project's home: type it, or open a file
    try {
      const found = await list()(folder);
      return {
        from: before.from + "'s3://".length + folder.length,
        options: [
          ...found.folders.map((name) => ({ label: `${name}/`, type: "namespace" })),
          ...found.files.map((name) => ({ label: name, type: "variable" })),
        ],
        validFor: /^[^'/\s]*$/,
      };
    } catch {
      return null;
    }
  };
}

function schemaOf(c: Completions): SQLNamespace {
  const ns: Record<string, SQLNamespace> = {};
  for (const [table, cols] of Object.entries(c.tables)) ns[table] = cols;
  return ns;
}

/**
 * The SQL editor: CodeMirror 6 with SQL highlighting and completion of keywords, tables,
 * columns and storage paths. Mod-Enter runs; Tab leaves the editor, as everywhere else.
 */
export const SqlEditor = forwardRef<
  SqlEditorHandle,
  {
    value: string;
    onChange(v: string): void;
    /** Runs the text as it is in the editor (the last change may not have reached the page yet). */
    onRun(text: string): void;
    label: string;
    describedBy?: string;
    completions: Completions;
  }
>(function SqlEditor({ value, onChange, onRun, label, describedBy, completions }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const latest = useRef({ onChange, onRun, completions });
  latest.current = { onChange, onRun, completions };

  useImperativeHandle(ref, () => ({
    focus: () => view.current?.focus(),
    select: (offset) => {
      const v = view.current;
      if (!v) return;
      const at = Math.min(offset, v.state.doc.length);
      v.dispatch({ selection: EditorSelection.cursor(at), scrollIntoView: true });
      v.focus();
    },
  }));

  useEffect(() => {
    const sqlLanguage = (c: Completions) =>
      sql({ dialect: PostgreSQL, upperCaseKeywords: true, schema: schemaOf(c) });
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          closeBrackets(),
          language.current.of(sqlLanguage(latest.current.completions)),
          syntaxHighlighting(highlight),
          autocompletion({ override: undefined }),
          EditorState.languageData.of(() => [{ autocomplete: storagePaths(() => latest.current.completions.listFolder) }]),
          EditorState.languageData.of(() => [
            { autocomplete: (ctx: CompletionContext) => columnsOf(ctx, latest.current.completions.columns) },
          ]),
          // Running wins over every other binding of the key (the completion list's included).
          Prec.highest(keymap.of([{ key: "Mod-Enter", run: (v) => (latest.current.onRun(v.state.doc.toString()), true) }])),
          keymap.of([
            ...closeBracketsKeymap,
            ...defaultKeymap,
            ...historyKeymap,
            ...completionKeymap,
          ]),
          placeholderExt("SELECT * FROM 's3://…'"),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({
            "aria-label": label,
            ...(describedBy ? { "aria-describedby": describedBy } : {}),
          }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) latest.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // The editor is made once; later values come through the effects below.
  }, []);

  // A value set from outside (history, a link) replaces the text.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: language.current.reconfigure(sql({ dialect: PostgreSQL, upperCaseKeywords: true, schema: schemaOf(completions) })),
    });
  }, [completions]);

  return <div ref={host} className={styles.editor} />;
});

/** The last result's columns, completed as plain words outside strings. */
function columnsOf(ctx: CompletionContext, columns: string[]): CompletionResult | null {
  const word = ctx.matchBefore(/[\w"]+/);
  if (!word || (word.from === word.to && !ctx.explicit) || columns.length === 0) return null;
  return {
    from: word.from,
    options: columns.map((c) => ({ label: /^[a-z_][a-z0-9_]*$/.test(c) ? c : `"${c.replaceAll('"', '""')}"`, type: "property" })),
    validFor: /^[\w"]*$/,
  };
}
