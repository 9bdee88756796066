import { describe, expect, it } from "vitest";
import { sampleParquet } from "../../test/parquet";
import { cellText, csvPreview, parquetPreview, PREVIEW_ROWS, tableFormat } from "./tablePreview";

describe("table previews", () => {
  it("knows tabular files by name or content type", () => {
    expect(tableFormat("data/x.parquet")).toBe("parquet");
    expect(tableFormat("blob", "application/vnd.apache.parquet")).toBe("parquet");
    expect(tableFormat("a.CSV")).toBe("csv");
    expect(tableFormat("a.tsv")).toBe("tsv");
    expect(tableFormat("a.txt", "text/plain")).toBeNull();
  });

  it("reads CSV with quoted fields, and drops the cut last line of a partial read", async () => {
    const text = 'name,comment,n\nalice,"hello, world",1\nbob,"two\nlines",2\ncarol,cut sho';
    const t = await csvPreview(text, true);
    expect(t.columns).toEqual(["name", "comment", "n"]);
    expect(t.rows).toEqual([
      ["alice", "hello, world", "1"],
      ["bob", "two\nlines", "2"],
    ]);
    expect(t.partial).toBe(true);
    const whole = await csvPreview("a\tb\n1\t2\n", false, "tsv");
    expect(whole).toEqual({ columns: ["a", "b"], rows: [["1", "2"]], partial: false });
  });

  it("stops CSV at the preview's row count", async () => {
    const text = "n\n" + Array.from({ length: 500 }, (_, i) => String(i)).join("\n");
    const t = await csvPreview(text, false);
    expect(t.rows).toHaveLength(PREVIEW_ROWS);
    expect(t.rows[PREVIEW_ROWS - 1]).toEqual([String(PREVIEW_ROWS - 1)]);
    expect(t.partial).toBe(true);
  });

  it("reads the first rows of a Parquet file by ranges, not the whole file", async () => {
    const bytes = sampleParquet(30_000, 1000);
    const reads: [number, number][] = [];
    const t = await parquetPreview({
      byteLength: bytes.byteLength,
      slice: (start, end = bytes.byteLength) => {
        reads.push([start, end]);
        return bytes.slice(start, end);
      },
    });
    expect(t.columns).toEqual(["id", "city", "population"]);
    expect(t.totalRows).toBe(30_000);
    expect(t.rows).toHaveLength(PREVIEW_ROWS);
    expect(t.rows[0]).toEqual(["1", "city-1", "1000"]);
    expect(t.rows[99]).toEqual(["100", "city-100", "100000"]);
    expect(t.partial).toBe(true);
    // The footer and the first row group's columns: less than the file.
    const read = reads.reduce((n, [s, e]) => n + (e - s), 0);
    expect(bytes.byteLength).toBeGreaterThan(300_000);
    expect(read).toBeLessThan(bytes.byteLength / 3);
  });

  it("shows cells as text", () => {
    expect(cellText(null)).toBe("");
    expect(cellText(12n)).toBe("12");
    expect(cellText(new Date("2026-01-02T03:04:05Z"))).toBe("2026-01-02T03:04:05.000Z");
    expect(cellText({ a: 1n, b: [1, 2] })).toBe('{"a":"1","b":[1,2]}');
    expect(cellText(new Uint8Array(3))).toBe("⟨3 bytes⟩");
  });
});
