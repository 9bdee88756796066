import { describe, expect, it } from "vitest";
import { endpointParts, snippet } from "./codeSnippets";

const store = { endpoint: "http://127.0.0.1:9000", region: "us-east-1", pathStyle: true };
const sql = `SELECT key, count(*) FROM 's3://user-alice/data/*.parquet' WHERE note = 'a """ b' GROUP BY key`;

describe("copy as code", () => {
  it("points DuckDB's S3 client at the store", () => {
    expect(endpointParts("https://minio.example.org")).toEqual({ host: "minio.example.org", ssl: true });
    expect(endpointParts("http://127.0.0.1:9000/")).toEqual({ host: "127.0.0.1:9000", ssl: false });
    const code = snippet("python-duckdb", sql, store);
    expect(code).toContain(`con.execute("SET s3_endpoint = '127.0.0.1:9000'")`);
    expect(code).toContain(`con.execute("SET s3_url_style = 'path'")`);
    expect(code).toContain(`con.execute("SET s3_use_ssl = false")`);
    expect(code).toContain('os.environ["AWS_SECRET_ACCESS_KEY"]');
    expect(code).toContain(".df()");
  });

  it("keeps the query whole in Python, even with triple quotes and backslashes", () => {
    const code = snippet("python-polars", sql + " -- \\n", store);
    const body = /query = """\n([\s\S]*)\n"""/.exec(code)?.[1];
    // Python reads \" as " and \\ as \: the query comes back as written.
    expect(body?.replaceAll('\\"', '"').replaceAll("\\\\", "\\")).toBe(sql + " -- \\n");
    expect(code).toContain(".pl()");
  });

  it("keeps the query whole in R with a raw string it cannot close", () => {
    const tricky = `SELECT ')-"' AS x FROM 's3://b/x.csv'`;
    const code = snippet("r-duckdb", tricky, store);
    const m = /r"(-+)\(\n([\s\S]*)\n\)\1"/.exec(code);
    expect(m?.[2]).toBe(tricky);
    expect(m?.[1]).toBe("--");
    expect(code).toContain('Sys.getenv("AWS_ACCESS_KEY_ID")');
  });

  it("writes the user's keys in when they asked for them, as parameters", () => {
    const keys = { accessKeyId: "AKIA\"1", secretAccessKey: "s3cr\\et", sessionToken: "tok" };
    const code = snippet("python-duckdb", sql, { ...store, keys });
    expect(code).toContain(`con.execute("SET s3_access_key_id = ?", ["AKIA\\"1"])`);
    expect(code).toContain(`con.execute("SET s3_secret_access_key = ?", ["s3cr\\\\et"])`);
    expect(code).toContain(`con.execute("SET s3_session_token = ?", ["tok"])`);
    expect(code).not.toContain("os.environ");
    expect(snippet("r-duckdb", sql, { ...store, keys })).toContain(`params = list("tok")`);
  });
});
