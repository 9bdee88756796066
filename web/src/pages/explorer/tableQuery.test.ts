import { describe, expect, it } from "vitest";
import { countSql, filterCondition, histogramSql, isQuery, pageSql, resultSql, statsSql, toggleSort } from "./tableQuery";

const numeric = new Set(["population"]);

describe("the table view in SQL", () => {
  it("wraps the user's query on lines of its own, without its semicolon", () => {
    expect(resultSql("SELECT 1; \n")).toBe("SELECT * FROM (\nSELECT 1\n) AS explorer_result");
    expect(resultSql("SELECT 1 -- the end")).toBe("SELECT * FROM (\nSELECT 1 -- the end\n) AS explorer_result");
  });

  it("pages with sorts and filters", () => {
    const sql = pageSql(
      "SELECT * FROM t",
      {
        sorts: [
          { column: "population", direction: "desc" },
          { column: "ci\"ty", direction: "asc" },
        ],
        filters: [
          { column: "population", operator: "greater", value: "1000" },
          { column: "city", operator: "contains", value: "50%_o'k" },
          { column: "city", operator: "equals", value: "" }, // incomplete: left out
        ],
      },
      numeric,
      200,
      400,
    );
    expect(sql).toBe(
      "SELECT * FROM (\nSELECT * FROM t\n) AS explorer_result\n" +
        `WHERE "population" > 1000\n  AND CAST("city" AS VARCHAR) ILIKE '%50\\%\\_o''k%' ESCAPE '\\'\n` +
        `ORDER BY "population" DESC NULLS LAST, "ci""ty" ASC NULLS LAST\nLIMIT 200 OFFSET 400`,
    );
  });

  it("compares numbers as numbers and text as text", () => {
    expect(filterCondition({ column: "n", operator: "equals", value: " 42 " }, true)).toBe(`"n" = 42`);
    expect(filterCondition({ column: "n", operator: "less", value: "4x" }, true)).toBe(`"n" < '4x'`);
    expect(filterCondition({ column: "s", operator: "equals", value: "42" }, false)).toBe(`CAST("s" AS VARCHAR) = '42'`);
    expect(filterCondition({ column: "s", operator: "notEquals", value: "a" }, false)).toBe(`CAST("s" AS VARCHAR) <> 'a'`);
    expect(filterCondition({ column: "s", operator: "isNull", value: "ignored" }, false)).toBe(`"s" IS NULL`);
    expect(filterCondition({ column: "s", operator: "notNull", value: "" }, false)).toBe(`"s" IS NOT NULL`);
  });

  it("counts and describes a column under the filters, without sorting", () => {
    const view = { sorts: [{ column: "city", direction: "asc" as const }], filters: [{ column: "city", operator: "isNull" as const, value: "" }] };
    expect(countSql("SELECT 1", view, numeric)).not.toContain("ORDER BY");
    expect(countSql("SELECT 1", view, numeric)).toContain(`WHERE "city" IS NULL`);
    const stats = statsSql("SELECT 1", view, numeric, "city");
    expect(stats).toContain(`count(*) - count("city") AS nulls`);
    expect(stats).toContain(`approx_count_distinct("city")`);
    expect(stats).not.toContain("ORDER BY");
    expect(histogramSql("SELECT 1", view, numeric, "population", true)).toContain("floor((x - lo)");
    expect(histogramSql("SELECT 1", view, numeric, "city", false)).toContain("GROUP BY 1 ORDER BY n DESC");
  });

  it("tells queries from other statements", () => {
    for (const q of ["SELECT 1", "  with x as (select 1) select * from x", "FROM 's3://b/x.csv'", "-- a comment\nSELECT 1", "(SELECT 1) UNION (SELECT 2)"]) {
      expect(isQuery(q), q).toBe(true);
    }
    for (const q of ["DESCRIBE SELECT 1", "CREATE TABLE t AS SELECT 1", "SUMMARIZE t", "PRAGMA version"]) {
      expect(isQuery(q), q).toBe(false);
    }
  });

  it("cycles a column's sort: ascending, descending, none", () => {
    let sorts = toggleSort([], "a", false);
    expect(sorts).toEqual([{ column: "a", direction: "asc" }]);
    sorts = toggleSort(sorts, "a", false);
    expect(sorts).toEqual([{ column: "a", direction: "desc" }]);
    expect(toggleSort(sorts, "a", false)).toEqual([]);
    expect(toggleSort(sorts, "b", true)).toEqual([
      { column: "a", direction: "desc" },
      { column: "b", direction: "asc" },
    ]);
    expect(toggleSort(sorts, "b", false)).toEqual([{ column: "b", direction: "asc" }]);
  });
});
