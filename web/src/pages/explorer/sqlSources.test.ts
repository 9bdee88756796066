import { describe, expect, it } from "vitest";
import { engineSql, errorOffset, findStorageLiterals, globFolder, globIsDeep, globRegExp, userMessage } from "./sqlSources";

describe("storage strings of a query", () => {
  it("finds s3:// strings, not those in comments, identifiers or other strings", () => {
    const sql = [
      "-- 's3://user-alice/commented.csv'",
      `SELECT 's3://' AS scheme, "s3://not/a/file" FROM 's3://user-alice/a.csv'`,
      "/* 's3://user-alice/block.csv' */ JOIN read_parquet('s3://user-alice/dir/*.parquet') USING (id)",
      "WHERE x = 'it''s s3://no'",
    ].join("\n");
    const found = findStorageLiterals(sql);
    expect(found.map((l) => [l.path, l.glob])).toEqual([
      ["user-alice/a.csv", false],
      ["user-alice/dir/*.parquet", true],
    ]);
    expect(sql.slice(found[0]!.start, found[0]!.end)).toBe("'s3://user-alice/a.csv'");
  });

  it("reads a quote doubled in a path", () => {
    const [lit] = findStorageLiterals("FROM 's3://user-alice/o''brien.csv'");
    expect(lit?.path).toBe("user-alice/o'brien.csv");
  });

  it("marks JSON files read by FROM or JOIN as tables, not those passed to functions", () => {
    const found = findStorageLiterals(
      "SELECT * FROM 's3://b/a.json' JOIN\n  's3://b/b.jsonl' USING (id), read_csv_auto('s3://b/c.json'), 's3://b/*.json'",
    );
    expect(found.map((l) => l.jsonTable)).toEqual([true, true, false, false]);
  });

  it("gives DuckDB a query of the same length, so that errors keep their columns", () => {
    const sql = "SELECT * FROM 's3://b/x.csv' JOIN 's3://b/y.json' USING (id)";
    const out = engineSql(sql);
    expect(out).toBe(`SELECT * FROM 's3__/b/x.csv' JOIN "s3__/b/y.json" USING (id)`);
    expect(out.length).toBe(sql.length);
  });

  it("speaks of files as the user named them", () => {
    expect(userMessage("Error: IO Error: No files found that match the pattern \"s3__/b/*.csv\"")).toBe(
      'IO Error: No files found that match the pattern "s3://b/*.csv"',
    );
  });
});

describe("patterns", () => {
  it("lists the folder before the first wildcard", () => {
    expect(globFolder("user-alice/data/2024/*.parquet")).toBe("user-alice/data/2024/");
    expect(globFolder("user-alice/data/*/part-*.parquet")).toBe("user-alice/data/");
    expect(globFolder("*.csv")).toBe("");
    expect(globIsDeep("user-alice/data/*.parquet")).toBe(false);
    expect(globIsDeep("user-alice/data/*/x.parquet")).toBe(true);
    expect(globIsDeep("user-alice/data/**/*.parquet")).toBe(true);
  });

  it("matches * and ? within a folder, ** across folders, classes", () => {
    const one = globRegExp("b/d/*.parquet");
    expect(one.test("b/d/part-1.parquet")).toBe(true);
    expect(one.test("b/d/sub/part-1.parquet")).toBe(false);
    expect(one.test("b/d/part-1.parquet.bak")).toBe(false);
    const deep = globRegExp("b/**/*.csv");
    expect(deep.test("b/x.csv")).toBe(true);
    expect(deep.test("b/1/2/x.csv")).toBe(true);
    expect(globRegExp("b/y202?.csv").test("b/y2024.csv")).toBe(true);
    expect(globRegExp("b/[ab].csv").test("b/a.csv")).toBe(true);
    expect(globRegExp("b/[!ab].csv").test("b/a.csv")).toBe(false);
    expect(globRegExp("b/a+b(1).csv").test("b/a+b(1).csv")).toBe(true);
  });
});

describe("error positions", () => {
  it("points at DuckDB's caret in the user's query", () => {
    const sql = "SELECT 1,\n  nope FROM t";
    const message = 'Binder Error: column "nope" not found\nLINE 3:   nope FROM t\n          ^';
    // The engine's query had one line before the user's (RESULT_LINE_SHIFT).
    expect(errorOffset(message, sql, 1)).toBe(sql.indexOf("nope"));
  });

  it("finds the window of a long line that DuckDB cut", () => {
    const sql = "SELECT " + "a, ".repeat(40) + "missing FROM 's3://b/x.csv'";
    const at = sql.indexOf("missing");
    const window = "..." + sql.slice(at - 20, at + 30).replace("s3://", "s3__/") + "...";
    const message = `Binder Error: x\nLINE 1: ${window}\n${" ".repeat("LINE 1: ".length + 3 + 20)}^`;
    expect(errorOffset(message, sql)).toBe(at);
  });

  it("gives nothing when the message has no position", () => {
    expect(errorOffset("Catalog Error: Table x does not exist", "SELECT * FROM x")).toBeNull();
  });
});
