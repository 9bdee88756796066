import { describe, expect, it } from "vitest";
import type { ApiClient } from "../../api/client";
import type { FileList } from "../../api/types";
import type { Engine } from "./engine";
import { ExplorerSession, jsonRows, SourceError } from "./session";

describe("JSON files as rows", () => {
  it("takes an array, one object, or JSON lines", () => {
    expect(JSON.parse(jsonRows(' [{"a":1},{"a":2}] '))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(JSON.parse(jsonRows('{"a":1,"b":{"c":2}}'))).toEqual([{ a: 1, b: { c: 2 } }]);
    expect(JSON.parse(jsonRows('{"a":1}\r\n\n{"a":2}\n{"a":3}\n'))).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });
});

/** A files API of folders (path → [subfolders, files]) in pages of two entries. */
function fakeApi(tree: Record<string, [string[], string[]]>): ApiClient {
  return {
    listFiles: async (_project: string, path: string, pageToken?: string): Promise<FileList> => {
      const [folders, files] = tree[path] ?? [[], []];
      const entries: { folder?: string; file?: string }[] = [
        ...folders.map((f) => ({ folder: `${path}${f}/` })),
        ...files.map((f) => ({ file: `${path}${f}` })),
      ];
      const start = Number(pageToken ?? 0);
      const page = entries.slice(start, start + 2);
      return {
        path,
        home: "b/",
        folders: page.filter((e) => e.folder).map((e) => ({ path: e.folder!, name: e.folder!.split("/").at(-2)! })),
        files: page.filter((e) => e.file).map((e) => ({ path: e.file!, name: e.file!.split("/").pop()!, size: 10 })),
        nextPageToken: start + 2 < entries.length ? String(start + 2) : undefined,
        commands: [],
      };
    },
    fileUrl: (_p: string, path: string) => `/api/v1/projects/p/files/content?path=${encodeURIComponent(path)}`,
  } as unknown as ApiClient;
}

const tree: Record<string, [string[], string[]]> = {
  "b/data/": [["2024", "2025"], ["a.parquet", "b.parquet", "notes.txt"]],
  "b/data/2024/": [[], ["x.parquet"]],
  "b/data/2025/": [["deep"], ["y.parquet", "y.csv"]],
  "b/data/2025/deep/": [[], ["z.parquet"]],
};

describe("patterns listed through the files API", () => {
  const session = new ExplorerSession({} as Engine, fakeApi(tree), "p", false);

  it("matches in one folder, page after page", async () => {
    expect((await session.expand("b/data/*.parquet")).map((f) => f.path)).toEqual(["b/data/a.parquet", "b/data/b.parquet"]);
  });

  it("goes down folders for a wildcard folder or **", async () => {
    expect((await session.expand("b/data/*/*.parquet")).map((f) => f.path)).toEqual(["b/data/2024/x.parquet", "b/data/2025/y.parquet"]);
    expect((await session.expand("b/data/**/*.parquet")).map((f) => f.path)).toEqual([
      "b/data/2024/x.parquet",
      "b/data/2025/deep/z.parquet",
      "b/data/2025/y.parquet",
      "b/data/a.parquet",
      "b/data/b.parquet",
    ]);
  });

  it("says when nothing matches", async () => {
    await expect(session.expand("b/data/*.json")).rejects.toEqual(new SourceError("noMatch", "b/data/*.json"));
  });

  it("registers each file once, under the engine's name, before the query runs", async () => {
    const registered: string[] = [];
    const engine = { registerUrl: async (name: string) => void registered.push(name) } as unknown as Engine;
    const fetchStub = async () => new Response(new Uint8Array([1]), { status: 206, headers: { "Content-Range": "bytes 0-0/10" } });
    const original = globalThis.fetch;
    globalThis.fetch = fetchStub as typeof fetch;
    try {
      const s = new ExplorerSession(engine, fakeApi(tree), "p", false);
      const prepared = await s.prepare("SELECT * FROM 's3://b/data/*.parquet' UNION ALL SELECT * FROM 's3://b/data/a.parquet'");
      expect(prepared.sql).toBe("SELECT * FROM 's3__/b/data/*.parquet' UNION ALL SELECT * FROM 's3__/b/data/a.parquet'");
      expect(prepared.files).toEqual(["b/data/a.parquet", "b/data/b.parquet"]);
      expect(registered).toEqual(["s3__/b/data/a.parquet", "s3__/b/data/b.parquet"]);
      await s.prepare("SELECT * FROM 's3://b/data/a.parquet'");
      expect(registered.length).toBe(2); // Basalt's own links do not expire
    } finally {
      globalThis.fetch = original;
    }
  });
});
