import { parquetWriteBuffer } from "hyparquet-writer";

/**
 * A small Parquet file made in the test (hyparquet-writer, Snappy pages): `rows` rows of
 * id (INT32), city (STRING) and population (INT64), in row groups of `rowGroupSize`.
 */
export function sampleParquet(rows = 250, rowGroupSize = 100): ArrayBuffer {
  const ids = Array.from({ length: rows }, (_, i) => i + 1);
  return parquetWriteBuffer({
    columnData: [
      { name: "id", data: ids, type: "INT32" },
      { name: "city", data: ids.map((i) => `city-${i}`), type: "STRING" },
      { name: "population", data: ids.map((i) => BigInt(i) * 1000n), type: "INT64" },
    ],
    rowGroupSize,
  });
}

/** Serves bytes like the files API: a Range header gets 206 and the slice, else 200 and all. */
export function rangedResponse(bytes: ArrayBuffer, range: string | undefined, contentType: string): Response {
  const m = /^bytes=(\d+)-(\d*)$/.exec(range ?? "");
  if (!m) return new Response(bytes, { status: 200, headers: { "Content-Type": contentType } });
  const start = Number(m[1]);
  const end = Math.min(m[2] ? Number(m[2]) : bytes.byteLength - 1, bytes.byteLength - 1);
  return new Response(bytes.slice(start, end + 1), {
    status: 206,
    headers: { "Content-Type": contentType, "Content-Range": `bytes ${start}-${end}/${bytes.byteLength}` },
  });
}
