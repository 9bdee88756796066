import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation, useSearchParams } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { ApiError } from "../../api/errors";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { Tabs } from "../../components/Tabs";
import { useI18n, type MessageKey } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject, useProjectState } from "../../project";
import { useRegion } from "../../region";
import pageStyles from "../Page.module.css";
import { CodeDialog } from "./CodeDialog";
import { QueryCancelled, startEngine, type Engine, type Rows } from "./engine";
import { historyKey, QueryHistory } from "./QueryHistory";
import { ResultChart, defaultChart } from "./ResultChart";
import { PAGE_ROWS, ResultTable } from "./ResultTable";
import { SaveResultDialog } from "./SaveResultDialog";
import { ExplorerSession, SourceError } from "./session";
import { decodeLink, encodeLink, fileQuery, type ChartChoice } from "./shareLink";
import { ENGINE_PREFIX, errorOffset, userMessage } from "./sqlSources";
import { SqlEditor, type Completions, type SqlEditorHandle } from "./SqlEditor";
import { EMPTY_VIEW, isQuery, pageSql, resultSql, RESULT_LINE_SHIFT, viewSql, type TableView } from "./tableQuery";
import styles from "./Explorer.module.css";

/** Rows a statement that is not a query (DESCRIBE, SUMMARIZE...) shows at most. */
const COMMAND_ROWS = 10_000;

interface Result {
  userSql: string;
  engineSql: string;
  first: Rows;
  /** False for statements that are not queries: shown whole, without sorts and filters. */
  query: boolean;
  ms: number;
  fromStore: boolean;
  files: number;
}

interface RunError {
  message: string;
  offset: number | null;
}

const SOURCE_ERRORS: Record<SourceError["code"], MessageKey> = {
  noMatch: "explorer.error.noMatch",
  tooMany: "explorer.error.tooMany",
  jsonTooLarge: "explorer.error.jsonTooLarge",
  unreadable: "explorer.error.unreadable",
};

function useEngine(): { engine?: Engine; error?: unknown } {
  const [state, setState] = useState<{ engine?: Engine; error?: unknown }>({});
  useEffect(() => {
    let live = true;
    startEngine().then(
      (engine) => live && setState({ engine }),
      (error: unknown) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

const numericOf = (r: Rows) => new Set(r.columns.filter((c) => c.numeric).map((c) => c.name));

/**
 * The explorer at its address: a link followed to it (Open it in the explorer, a shared link)
 * opens its view afresh; the page's own changes to the address (marked in its state) keep it.
 */
export function ExplorerPage() {
  const location = useLocation();
  const opened = useRef(location.key);
  if (!(location.state as { explorer?: boolean } | null)?.explorer) opened.current = location.key;
  return <Explorer key={opened.current} />;
}

/**
 * The data explorer: SQL over the user's files, run in the browser by DuckDB-Wasm (the server
 * never runs it), the result as a table that sorts, filters and describes its columns, as a
 * chart, saved back to storage, as code, and as a link that opens the same view.
 */
function Explorer() {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const { project, me } = useProject();
  const { setProject } = useProjectState();
  const tryStore = !!useRegion().region?.downloadFromStore;
  const [params, setParams] = useSearchParams();
  const initial = useMemo(() => decodeLink(params.toString()), []); // the link the page opened with
  useDocumentTitle(t("page.explorer.title"));

  // A link names its project: switch to it when the user has it.
  useEffect(() => {
    if (initial.project && initial.project !== project.id && me.projects.some((p) => p.id === initial.project)) setProject(initial.project);
  }, [initial.project, me.projects, project.id, setProject]);

  const { engine, error: engineError } = useEngine();
  const session = useMemo(() => (engine ? new ExplorerSession(engine, api, project.id, tryStore) : null), [engine, api, project.id, tryStore]);
  const [file] = useState(initial.file);
  const [sql, setSql] = useState(initial.sql ?? (initial.file ? fileQuery(initial.file) : ""));
  const [view, setView] = useState<TableView>(initial.view ?? EMPTY_VIEW);
  const [chart, setChart] = useState<ChartChoice | undefined>(initial.chart);
  const [tab, setTab] = useState<"table" | "chart">(initial.chart ? "chart" : "table");
  const [result, setResult] = useState<Result | null>(null);
  const [running, setRunning] = useState(false);
  const [cancelled, setCancelled] = useState(false);
  const [error, setError] = useState<RunError | null>(null);
  const [dialog, setDialog] = useState<"save" | "code" | null>(null);
  const [linkCopied, setLinkCopied] = useState(false);
  const editor = useRef<SqlEditorHandle>(null);
  const lastRecorded = useRef("");

  const link = useCallback(
    (v: TableView, c: ChartChoice | undefined, text: string) =>
      encodeLink({ project: project.id, file, sql: text, view: v, chart: tab === "chart" ? c : undefined }),
    [project.id, file, tab],
  );

  const describe = useCallback(
    (err: unknown, text: string, shift: number): RunError => {
      if (err instanceof SourceError) return { message: t(SOURCE_ERRORS[err.code], { path: `s3://${err.path}`, detail: err.message }), offset: null };
      if (err instanceof ApiError) return { message: err.message, offset: null };
      const raw = err instanceof Error ? err.message : String(err);
      return { message: userMessage(raw, shift), offset: errorOffset(raw, text, shift) };
    },
    [t],
  );

  // DuckDB says where a name is wrong only for the statement as written, not once it is
  // wrapped for the table: such an error is asked again of the statement alone (prepared,
  // never run).
  const locate = useCallback(
    async (err: unknown, text: string, engineText: string): Promise<RunError> => {
      const first = describe(err, text, RESULT_LINE_SHIFT);
      if (first.offset !== null || !session || err instanceof SourceError || err instanceof ApiError) return first;
      const again = await session.engine.bindError(engineText);
      return again ? describe(new Error(again), text, 0) : first;
    },
    [describe, session],
  );

  // A run asked for before the engine is ready waits for it.
  const waiting = useRef<{ text: string; v: TableView; record: boolean } | null>(null);

  const run = useCallback(
    async (text: string, v: TableView, record: boolean) => {
      if (!text.trim()) return;
      if (!session) {
        waiting.current = { text, v, record };
        return;
      }
      setRunning(true);
      setCancelled(false);
      setError(null);
      const started = performance.now();
      const query = isQuery(text);
      let engineText = "";
      try {
        const prepared = await session.prepare(text);
        engineText = prepared.sql;
        let first: Rows;
        if (query) {
          let numeric = result && result.userSql === text ? numericOf(result.first) : new Set<string>();
          if (v.filters.length > 0 && !(result && result.userSql === text)) {
            numeric = numericOf(await session.engine.rows(`${resultSql(prepared.sql)} LIMIT 0`));
          }
          first = await session.engine.rows(pageSql(prepared.sql, v, numeric, PAGE_ROWS, 0));
        } else {
          first = await session.engine.rows(prepared.sql, COMMAND_ROWS);
        }
        setResult({
          userSql: text,
          engineSql: prepared.sql,
          first,
          query,
          ms: performance.now() - started,
          fromStore: prepared.fromStore,
          files: prepared.files.length,
        });
        setParams(link(v, chart, text), { replace: true, state: { explorer: true } });
        if (record && lastRecorded.current !== text) {
          lastRecorded.current = text;
          api.addQueryHistory(text).then(
            () => void qc.invalidateQueries({ queryKey: historyKey }),
            () => undefined, // the history is a convenience: a query runs without it
          );
        }
      } catch (err) {
        if (err instanceof QueryCancelled) setCancelled(true);
        else {
          const e = query && engineText ? await locate(err, text, engineText) : describe(err, text, 0);
          setError(e);
          if (e.offset !== null) editor.current?.select(e.offset);
        }
      } finally {
        setRunning(false);
      }
    },
    [session, result, api, qc, describe, locate, link, chart, setParams],
  );

  useEffect(() => {
    const w = waiting.current;
    if (session && w) {
      waiting.current = null;
      void run(w.text, w.v, w.record);
    }
  }, [session, run]);

  // A link or a file opened from My files runs at once.
  const ranInitial = useRef(false);
  useEffect(() => {
    if (session && !ranInitial.current && (initial.sql || initial.file) && project.id === (initial.project ?? project.id)) {
      ranInitial.current = true;
      void run(sql, view, false);
    }
  }, [session, initial, project.id, run, sql, view]);

  const changeView = (v: TableView) => {
    setView(v);
    if (result?.query) void run(result.userSql, v, false);
  };
  const changeChart = (c: ChartChoice) => {
    setChart(c);
    if (result) setParams(link(view, c, result.userSql), { replace: true, state: { explorer: true } });
  };

  // The tables a query made (CREATE TABLE, JSON files), for the editor's completion.
  const [tables, setTables] = useState<Record<string, string[]>>({});
  useEffect(() => {
    if (!engine || !result) return;
    let live = true;
    engine
      .rows("SELECT table_name, column_name FROM information_schema.columns ORDER BY table_name, ordinal_position")
      .then((r) => {
        const out: Record<string, string[]> = {};
        for (const [table, column] of r.rows) {
          if (!String(table).startsWith(ENGINE_PREFIX)) (out[String(table)] ??= []).push(String(column)); // files are named by their s3:// string
        }
        if (live) setTables(out);
      })
      .catch(() => undefined); // completion is a help: the page works without it
    return () => {
      live = false;
    };
  }, [engine, result]);

  const completions: Completions = useMemo(
    () => ({
      tables,
      columns: result?.first.columns.map((c) => c.name) ?? [],
      listFolder: async (path: string) => {
        const page = await api.listFiles(project.id, path);
        return { folders: page.folders.map((f) => f.name), files: page.files.map((f) => f.name) };
      },
    }),
    [api, project.id, result, tables],
  );

  const numeric = useMemo(() => (result ? numericOf(result.first) : new Set<string>()), [result]);
  const shownChart = result ? (chart && result.first.columns.some((c) => c.name === chart.x) ? chart : defaultChart(chart?.type ?? "bar", result.first.columns)) : undefined;
  // Results are saved beside the file they came from, else in the project's home.
  const folder = file ? file.slice(0, file.lastIndexOf("/") + 1) : "";

  async function copyLink() {
    const url = `${window.location.origin}/explorer?${link(view, shownChart, result?.userSql ?? sql)}`;
    try {
      await navigator.clipboard.writeText(url);
      setLinkCopied(true);
      setTimeout(() => setLinkCopied(false), 2000);
    } catch {
      setLinkCopied(false);
    }
  }

  return (
    <div className={styles.page}>
      <h1 className={pageStyles.title}>{t("page.explorer.title")}</h1>
      <p className={pageStyles.lead}>{t("page.explorer.summary")}</p>
      {file ? (
        <p className={styles.source}>
          {t("explorer.openedFile")} <code>{file}</code> ·{" "}
          <Link to={`/my-files?path=${encodeURIComponent(folder)}`}>{t("explorer.backToFolder")}</Link>
        </p>
      ) : null}

      <div className={styles.layout}>
        <section className={styles.editorArea} aria-labelledby="explorer-sql">
          <h2 id="explorer-sql" className={styles.sideTitle}>
            {t("explorer.sql")}
          </h2>
          <SqlEditor
            ref={editor}
            value={sql}
            onChange={setSql}
            onRun={(text) => {
              setSql(text);
              void run(text, view, true);
            }}
            label={t("explorer.sql")}
            describedBy="explorer-sql-hint"
            completions={completions}
          />
          <p id="explorer-sql-hint" className={styles.muted}>
            {t("explorer.sql.hint")}
          </p>
          <div className={styles.toolbar}>
            <button type="button" className="button" disabled={!session || running || !sql.trim()} onClick={() => void run(sql, view, true)}>
              {t("explorer.run")}
            </button>
            {running ? (
              <button type="button" className="button button-secondary" onClick={() => void engine?.cancel()}>
                {t("explorer.cancel")}
              </button>
            ) : null}
            <button type="button" className="button button-secondary" disabled={!result} onClick={() => setDialog("code")}>
              {t("explorer.code.open")}
            </button>
            <button type="button" className="button button-secondary" disabled={!result} onClick={() => void copyLink()}>
              <span aria-live="polite">{linkCopied ? t("ui.copied") : t("explorer.link.copy")}</span>
            </button>
            <button type="button" className="button button-secondary" disabled={!result?.query} onClick={() => setDialog("save")}>
              {t("explorer.save.open")}
            </button>
          </div>
          <div aria-live="polite" className={styles.status}>
            {!engine && !engineError ? <Loading label={t("explorer.engine.starting")} /> : null}
            {running ? <Loading label={t("explorer.running")} /> : null}
            {cancelled ? <p>{t("explorer.cancelled")}</p> : null}
            {result && !running ? (
              <p className={styles.muted}>
                {t("explorer.ran", { seconds: (result.ms / 1000).toLocaleString(language, { maximumFractionDigits: 2 }) })}{" "}
                {result.files > 0 ? (result.fromStore ? t("explorer.source.store") : t("explorer.source.basalt")) : null}
              </p>
            ) : null}
          </div>
          {engineError ? <ErrorNotice error={engineError} title={t("explorer.engine.failed")} /> : null}
          {error ? (
            <div className={styles.runError} role="alert">
              <strong>{t("explorer.error.title")}</strong>
              <pre>{error.message}</pre>
              {error.offset !== null ? (
                <button type="button" className="button button-secondary button-small" onClick={() => editor.current?.select(error.offset!)}>
                  {t("explorer.error.show")}
                </button>
              ) : null}
            </div>
          ) : null}
        </section>
        <aside className={styles.side}>
          <QueryHistory
            onPick={(q) => {
              setSql(q);
              editor.current?.focus();
            }}
          />
        </aside>
      </div>

      {result && engine ? (
        <section className={styles.results} aria-labelledby="explorer-results">
          <h2 id="explorer-results" className={styles.sideTitle}>
            {t("explorer.results")}
          </h2>
          {result.query ? (
            <>
              <Tabs
                items={[
                  { id: "table", label: t("explorer.tab.table") },
                  { id: "chart", label: t("explorer.tab.chart") },
                ]}
                selected={tab}
                onSelect={(id) => {
                  setTab(id as "table" | "chart");
                  if (id === "chart" && !chart && shownChart) setChart(shownChart);
                }}
                label={t("explorer.results")}
                idPrefix="explorer-results"
              />
              <div id="explorer-results-panel" role="tabpanel" aria-labelledby={`explorer-results-tab-${tab}`}>
                {tab === "table" ? (
                  <ResultTable
                    engine={engine}
                    sql={result.engineSql}
                    first={result.first}
                    view={view}
                    onViewChange={changeView}
                    onError={(err) => setError(describe(err, result.userSql, RESULT_LINE_SHIFT))}
                  />
                ) : shownChart ? (
                  <ResultChart
                    engine={engine}
                    sql={result.engineSql}
                    view={view}
                    columns={result.first.columns}
                    numeric={numeric}
                    chart={shownChart}
                    onChange={changeChart}
                  />
                ) : null}
              </div>
            </>
          ) : (
            <ResultTable
              engine={engine}
              sql={result.engineSql}
              first={result.first}
              view={EMPTY_VIEW}
              onViewChange={() => undefined}
              onError={() => undefined}
              fixed
            />
          )}
        </section>
      ) : null}

      {dialog === "save" && result && engine ? (
        <SaveResultDialog
          engine={engine}
          project={project.id}
          resultSql={viewSql(result.engineSql, view, numeric)}
          folder={folder}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog === "code" && result ? (
        <CodeDialog
          project={project.id}
          sql={view.sorts.length || view.filters.length ? viewSql(result.userSql, view, numeric) : result.userSql}
          onClose={() => setDialog(null)}
        />
      ) : null}
    </div>
  );
}
