import { useEffect, useId, useRef, useState } from "react";
import { downloadBlob, downloadText, ErrorNotice, Loading } from "../../components/Feedback";
import { useI18n, type MessageKey } from "../../i18n";
import type { Column, Engine } from "./engine";
import { CHART_TYPES, type ChartChoice, type ChartType } from "./shareLink";
import { userMessage } from "./sqlSources";
import { quoteIdent } from "./sqlText";
import { viewSql, type TableView } from "./tableQuery";
import styles from "./Explorer.module.css";

/** At most this many rows are drawn (a bar chart sums them by category). */
export const CHART_ROWS = 10_000;

const CHART_NAMES: Record<ChartType, MessageKey> = {
  bar: "explorer.chart.bar",
  line: "explorer.chart.line",
  scatter: "explorer.chart.scatter",
  histogram: "explorer.chart.histogram",
};

/** The chart a result suggests: bars of the first number by the first other column. */
export function defaultChart(type: ChartType, columns: Column[], current?: ChartChoice): ChartChoice {
  const numbers = columns.filter((c) => c.numeric);
  const others = columns.filter((c) => !c.numeric);
  const keep = (name: string | undefined) => (name && columns.some((c) => c.name === name) ? name : undefined);
  const x =
    keep(current?.x) ??
    (type === "histogram" || type === "scatter" ? numbers[0]?.name : (others[0] ?? columns[0])?.name) ??
    columns[0]?.name ??
    "";
  const y = keep(current?.y) ?? (numbers.find((c) => c.name !== x) ?? numbers[0])?.name ?? "";
  return { type, x, y };
}

/**
 * A chart of the result (Observable Plot): bar, line, scatter or histogram, chosen with one
 * click and two columns, exported as SVG or PNG.
 */
export function ResultChart({
  engine,
  sql,
  view,
  columns,
  numeric,
  chart,
  onChange,
}: {
  engine: Engine;
  sql: string;
  view: TableView;
  columns: Column[];
  numeric: ReadonlySet<string>;
  chart: ChartChoice;
  onChange(c: ChartChoice): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const figure = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"drawing" | "done" | "empty">("drawing");
  const [error, setError] = useState<unknown>(null);
  const needsY = chart.type !== "histogram";

  useEffect(() => {
    let live = true;
    setState("drawing");
    setError(null);
    (async () => {
      const cols = needsY ? [chart.x, chart.y] : [chart.x];
      if (cols.some((c) => !columns.some((k) => k.name === c))) {
        if (live) setState("empty");
        return;
      }
      const picked = cols.map((c, i) => `${quoteIdent(c)} AS ${i === 0 ? "x" : "y"}`).join(", ");
      const [data, Plot] = await Promise.all([
        engine.rows(`SELECT ${picked} FROM (${viewSql(sql, view, numeric)}) AS chart_rows LIMIT ${CHART_ROWS}`),
        import("@observablehq/plot"),
      ]);
      if (!live || !figure.current) return;
      const rows = data.rows.map(([x, y]) => ({ x, y }));
      const label = t("explorer.chart.label", { type: t(CHART_NAMES[chart.type]), x: chart.x, y: needsY ? chart.y : "" });
      const common = { x: "x", y: "y" } as const;
      const marks = {
        bar: () => [Plot.barY(rows, Plot.groupX({ y: "sum" }, { ...common, fill: "var(--accent)", tip: true })), Plot.ruleY([0])],
        line: () => [Plot.lineY(rows, { ...common, sort: "x", stroke: "var(--accent)" }), Plot.ruleY([0])],
        scatter: () => [Plot.dot(rows, { ...common, stroke: "var(--accent)", r: 2.5 })],
        histogram: () => [Plot.rectY(rows, { ...Plot.binX({ y: "count" }, { x: "x" }), fill: "var(--accent)" }), Plot.ruleY([0])],
      }[chart.type];
      const svg = Plot.plot({
        marks: marks(),
        width: Math.max(320, figure.current.clientWidth || 800),
        height: 380,
        marginLeft: 60,
        marginBottom: 50,
        x: { label: chart.x, tickRotate: chart.type === "bar" ? -30 : 0 },
        y: { label: chart.type === "histogram" ? t("explorer.chart.count") : chart.y, grid: true },
        ariaLabel: label,
        ariaDescription: t("explorer.chart.description", { n: rows.length }),
        style: { background: "transparent", fontSize: "12px" },
      });
      // Plot names its marks' groups with aria-label, which a plain group may not have: the
      // chart is one image, named and described as a whole.
      svg.setAttribute("role", "img");
      for (const g of svg.querySelectorAll("g[aria-label]")) g.removeAttribute("aria-label");
      figure.current.replaceChildren(svg);
      setState(rows.length ? "done" : "empty");
    })().catch((err) => {
      if (live) {
        setError(new Error(userMessage(err instanceof Error ? err.message : String(err))));
        setState("done");
      }
    });
    return () => {
      live = false;
    };
  }, [engine, sql, view, numeric, columns, chart, needsY, t]);

  const columnSelect = (axis: "x" | "y") => (
    <>
      <label htmlFor={`${id}-${axis}`}>{axis === "x" ? t("explorer.chart.x") : t("explorer.chart.y")}</label>
      <select id={`${id}-${axis}`} className="field" value={chart[axis]} onChange={(e) => onChange({ ...chart, [axis]: e.target.value })}>
        {columns
          .filter((c) => axis === "x" ? chart.type === "bar" || chart.type === "line" || c.numeric || c.temporal : c.numeric)
          .map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
      </select>
    </>
  );

  return (
    <div className={styles.chartArea}>
      <div className={styles.chartControls}>
        <div role="radiogroup" aria-label={t("explorer.chart.type")} className={styles.segmented}>
          {CHART_TYPES.map((type) => (
            <button
              key={type}
              type="button"
              role="radio"
              aria-checked={chart.type === type}
              className={chart.type === type ? styles.segmentOn : styles.segment}
              onClick={() => onChange(defaultChart(type, columns, chart))}
            >
              {t(CHART_NAMES[type])}
            </button>
          ))}
        </div>
        {columnSelect("x")}
        {needsY ? columnSelect("y") : null}
        <button type="button" className="button button-secondary button-small" disabled={state !== "done"} onClick={() => exportSvg(figure.current)}>
          {t("explorer.chart.svg")}
        </button>
        <button type="button" className="button button-secondary button-small" disabled={state !== "done"} onClick={() => void exportPng(figure.current)}>
          {t("explorer.chart.png")}
        </button>
      </div>
      {error ? <ErrorNotice error={error} /> : null}
      {state === "drawing" ? <Loading label={t("explorer.chart.drawing")} /> : null}
      {state === "empty" ? <p className={styles.muted}>{t("explorer.chart.empty")}</p> : null}
      <div ref={figure} className={styles.figure} data-testid="chart" />
    </div>
  );
}

/** The chart's SVG as a standalone document: the page's colours written in. */
function standaloneSvg(host: HTMLElement | null): string | null {
  const svg = host?.querySelector("svg");
  if (!svg) return null;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const css = getComputedStyle(host!);
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.style.color = css.color;
  copy.style.background = getComputedStyle(document.body).backgroundColor;
  const accent = getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() || "#3b5bdb";
  return new XMLSerializer().serializeToString(copy).replaceAll("var(--accent)", accent);
}

function exportSvg(host: HTMLElement | null) {
  const text = standaloneSvg(host);
  if (text) downloadText("chart.svg", text, "image/svg+xml");
}

/** Draws the SVG on a canvas at twice its size and saves it as PNG. */
async function exportPng(host: HTMLElement | null) {
  const text = standaloneSvg(host);
  const svg = host?.querySelector("svg");
  if (!text || !svg) return;
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`; // the portal's CSP allows data: images
  await img.decode();
  const scale = 2;
  const canvas = document.createElement("canvas");
  canvas.width = svg.width.baseVal.value * scale;
  canvas.height = svg.height.baseVal.value * scale;
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = getComputedStyle(document.body).backgroundColor;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0);
  const blob = await new Promise<Blob | null>((ok) => canvas.toBlob(ok, "image/png"));
  if (blob) downloadBlob("chart.png", blob);
}
