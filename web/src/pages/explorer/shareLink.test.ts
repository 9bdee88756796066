import { describe, expect, it } from "vitest";
import { decodeLink, encodeLink, fileQuery } from "./shareLink";

describe("the explorer's link", () => {
  it("reopens the same file, query, view and chart", () => {
    const state = {
      project: "user-alice",
      file: "user-alice/data/cities.csv",
      sql: "SELECT * FROM 's3://user-alice/data/cities.csv' -- 100% & more",
      view: {
        sorts: [{ column: "population", direction: "desc" as const }],
        filters: [{ column: "city", operator: "contains" as const, value: "o&=?#" }],
      },
      chart: { type: "bar" as const, x: "city", y: "population" },
    };
    expect(decodeLink(encodeLink(state))).toEqual(state);
  });

  it("leaves out what is not valid", () => {
    const q = new URLSearchParams({
      project: "p",
      sql: "SELECT 1",
      view: JSON.stringify({
        sorts: [{ column: "a", direction: "sideways" }, { column: "b", direction: "asc", extra: 1 }],
        filters: [{ column: "c", operator: "drop table", value: "" }, { column: 3 }],
      }),
      chart: "pie",
      x: "a",
    });
    const out = decodeLink(q.toString());
    expect(out.view).toEqual({ sorts: [{ column: "b", direction: "asc" }], filters: [] });
    expect(out.chart).toBeUndefined();
    expect(decodeLink("view=%7Bnot-json").view).toEqual({ sorts: [], filters: [] });
  });

  it("holds no credential: only what the state names", () => {
    const link = encodeLink({ project: "p", sql: "SELECT 1", view: { sorts: [], filters: [] } });
    expect([...new URLSearchParams(link).keys()]).toEqual(["project", "sql"]);
  });

  it("opens each format with its reader", () => {
    expect(fileQuery("b/x.csv")).toBe("SELECT * FROM read_csv_auto('s3://b/x.csv')");
    expect(fileQuery("b/x.tsv")).toBe("SELECT * FROM read_csv_auto('s3://b/x.tsv', delim = '\\t')");
    expect(fileQuery("b/o'x.parquet")).toBe("SELECT * FROM read_parquet('s3://b/o''x.parquet')");
    expect(fileQuery("b/x.jsonl")).toBe("SELECT * FROM 's3://b/x.jsonl'");
  });
});
