// Runs inside DuckDB's worker. DuckDB-Wasm sizes a file it reads over HTTP with a HEAD request,
// and without an answer it downloads the whole file. Neither source the explorer reads from
// answers HEAD: a link the store signs is signed for GET only, and Basalt's files endpoint is a
// GET. The worker's runtime is patched to size such a file as both answer: the size the portal
// already knows, carried in the link's fragment (which no request sends), else a GET of the
// first byte, whose Content-Range holds the whole size.

/** DuckDB-Wasm's DuckDBDataProtocol.HTTP. */
const HTTP_PROTOCOL = 4;
/** DuckDB's FILE_FLAGS_READ alone: a read-only open. */
const READ_ONLY = 1;

/** The part of the Emscripten module the runtime writes an opened file's size into. */
export interface WasmModule {
  _malloc(bytes: number): number;
  HEAPF64: Float64Array;
}

interface FileInfo {
  dataProtocol: number;
  dataUrl?: string | null;
}

/** The part of DuckDB-Wasm's browser runtime (globalThis.DUCKDB_RUNTIME) that is patched. */
export interface BrowserRuntime {
  openFile(mod: WasmModule, fileId: number, flags: number): number;
  getFileInfo(mod: WasmModule, fileId: number): FileInfo | null;
  _fileInfoCache?: Map<number, unknown>;
}

/** Adds the size the portal knows to a link: `#size=N`. */
export function withKnownSize(url: string, size: number): string {
  return `${url.split("#")[0]}#size=${size}`;
}

/** The size a link carries in its fragment, or null. */
export function knownSize(url: string): number | null {
  const m = /#(?:.*&)?size=(\d+)(?:&|$)/.exec(url);
  return m ? Number(m[1]) : null;
}

/** The whole size in a Content-Range header (`bytes 0-0/1234`), or null. */
export function sizeFromContentRange(header: string | null): number | null {
  const m = /^bytes\s+\d+-\d+\/(\d+)$/.exec((header ?? "").trim());
  return m ? Number(m[1]) : null;
}

/** Asks the server for the first byte and reads the whole size from its answer (synchronous: DuckDB waits). */
export function probeSize(url: string): number | null {
  const xhr = new XMLHttpRequest();
  xhr.open("GET", url, false);
  xhr.setRequestHeader("Range", "bytes=0-0");
  xhr.send(null);
  return xhr.status === 206 ? sizeFromContentRange(xhr.getResponseHeader("Content-Range")) : null;
}

/** Patches the runtime's openFile for read-only HTTP files; anything else goes to DuckDB's own. */
export function patchRuntime(rt: BrowserRuntime, probe: (url: string) => number | null = probeSize): void {
  const open = rt.openFile.bind(rt);
  rt.openFile = (mod, fileId, flags) => {
    if (flags === READ_ONLY) {
      rt._fileInfoCache?.delete(fileId); // DuckDB's own openFile starts with a fresh look too
      const info = rt.getFileInfo(mod, fileId);
      if (info?.dataProtocol === HTTP_PROTOCOL && info.dataUrl) {
        let size = knownSize(info.dataUrl);
        if (size === null) {
          try {
            size = probe(info.dataUrl);
          } catch {
            size = null; // DuckDB's own open says what went wrong
          }
        }
        if (size !== null) {
          // What DuckDB's openFile returns: [size, address of a buffered copy or 0] as doubles.
          const out = mod._malloc(16);
          mod.HEAPF64[out >> 3] = size;
          mod.HEAPF64[(out >> 3) + 1] = 0;
          return out;
        }
      }
    }
    return open(mod, fileId, flags);
  };
}
