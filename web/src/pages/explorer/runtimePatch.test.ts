import { describe, expect, it, vi } from "vitest";
import { knownSize, patchRuntime, sizeFromContentRange, withKnownSize, type BrowserRuntime, type WasmModule } from "./runtimePatch";

describe("sizing files DuckDB reads over HTTP", () => {
  it("carries the known size in the fragment", () => {
    const url = withKnownSize("http://s3/b/x.parquet?X-Amz-Signature=abc", 1234);
    expect(url).toBe("http://s3/b/x.parquet?X-Amz-Signature=abc#size=1234");
    expect(knownSize(url)).toBe(1234);
    expect(knownSize("http://s3/b/x?size=3")).toBeNull();
    expect(sizeFromContentRange("bytes 0-0/987654321")).toBe(987654321);
    expect(sizeFromContentRange("bytes */10")).toBeNull();
  });

  function fakes(protocol: number, dataUrl: string) {
    const heap = new Float64Array(8);
    const mod: WasmModule = { _malloc: () => 16, HEAPF64: heap };
    const original = vi.fn(() => 99);
    const rt: BrowserRuntime = { openFile: original, getFileInfo: () => ({ dataProtocol: protocol, dataUrl }), _fileInfoCache: new Map() };
    return { heap, mod, original, rt };
  }

  it("opens a read-only HTTP file with its known size, without a HEAD request", () => {
    const { heap, mod, original, rt } = fakes(4, "http://s3/x#size=500");
    const probe = vi.fn(() => 1);
    patchRuntime(rt, probe);
    expect(rt.openFile(mod, 7, 1)).toBe(16);
    expect([heap[2], heap[3]]).toEqual([500, 0]);
    expect(probe).not.toHaveBeenCalled();
    expect(original).not.toHaveBeenCalled();
  });

  it("asks for the first byte when the size is not known, and leaves the rest to DuckDB", () => {
    const { heap, mod, original, rt } = fakes(4, "/api/v1/projects/p/files/content?path=b/x.csv");
    patchRuntime(rt, () => 321);
    rt.openFile(mod, 7, 1);
    expect(heap[2]).toBe(321);
    expect(rt.openFile(mod, 7, 2)).toBe(99); // a write
    const unsized = fakes(4, "/api/v1/x");
    patchRuntime(unsized.rt, () => null);
    expect(unsized.rt.openFile(unsized.mod, 7, 1)).toBe(99); // a server that gave no size
    const buffer = fakes(0, "");
    patchRuntime(buffer.rt, () => 5);
    expect(buffer.rt.openFile(buffer.mod, 1, 1)).toBe(99); // not HTTP
    expect(original).toHaveBeenCalledTimes(1);
  });
});
