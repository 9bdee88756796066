// "Copy as code": the explorer's query as Python (DuckDB, polars) and R, reading the same files
// from the store with the user's credentials: from the environment variables Basalt gives
// every service (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_S3_ENDPOINT),
// or written in when the user asks for their keys.

/** The store's settings and, when the user revealed them, their keys. */
export interface SnippetStore {
  endpoint: string;
  region: string;
  pathStyle: boolean;
  keys?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export type SnippetLanguage = "python-duckdb" | "python-polars" | "r-duckdb";

export const SNIPPET_LANGUAGES: SnippetLanguage[] = ["python-duckdb", "python-polars", "r-duckdb"];

/** host:port of an endpoint URL, and whether it is TLS, as DuckDB's s3_endpoint takes them. */
export function endpointParts(endpoint: string): { host: string; ssl: boolean } {
  try {
    const u = new URL(endpoint);
    return { host: u.host, ssl: u.protocol === "https:" };
  } catch {
    return { host: endpoint.replace(/^https?:\/\//, "").replace(/\/+$/, ""), ssl: !endpoint.startsWith("http://") };
  }
}

/** A Python string literal. */
function py(s: string): string {
  return JSON.stringify(s); // JSON strings are valid Python strings
}

/** The query as a Python triple-quoted string. */
function pyQuery(sql: string): string {
  return `"""\n${sql.replaceAll("\\", "\\\\").replaceAll('"""', '\\"\\"\\"')}\n"""`;
}

/** An R raw string that the text cannot close. */
function rRaw(text: string): string {
  let dashes = "-";
  while (text.includes(`)${dashes}"`)) dashes += "-";
  return `r"${dashes}(\n${text}\n)${dashes}"`;
}

/** The DuckDB statements that point its S3 client at the store, one per line, without secrets. */
function s3Settings(store: SnippetStore): string[] {
  const { host, ssl } = endpointParts(store.endpoint);
  return [
    `SET s3_endpoint = '${host.replaceAll("'", "''")}'`,
    `SET s3_region = '${store.region.replaceAll("'", "''")}'`,
    `SET s3_url_style = '${store.pathStyle ? "path" : "vhost"}'`,
    `SET s3_use_ssl = ${ssl ? "true" : "false"}`,
  ];
}

/** The code of one language for the query. */
export function snippet(language: SnippetLanguage, sql: string, store: SnippetStore): string {
  const settings = s3Settings(store);
  const k = store.keys;
  switch (language) {
    case "python-duckdb":
    case "python-polars": {
      const keys = k
        ? [
            `con.execute("SET s3_access_key_id = ?", [${py(k.accessKeyId)}])`,
            `con.execute("SET s3_secret_access_key = ?", [${py(k.secretAccessKey)}])`,
            ...(k.sessionToken ? [`con.execute("SET s3_session_token = ?", [${py(k.sessionToken)}])`] : []),
          ]
        : [
            `con.execute("SET s3_access_key_id = ?", [os.environ["AWS_ACCESS_KEY_ID"]])`,
            `con.execute("SET s3_secret_access_key = ?", [os.environ["AWS_SECRET_ACCESS_KEY"]])`,
            `if os.environ.get("AWS_SESSION_TOKEN"):`,
            `    con.execute("SET s3_session_token = ?", [os.environ["AWS_SESSION_TOKEN"]])`,
          ];
      const polars = language === "python-polars";
      return [
        `# pip install duckdb${polars ? " polars pyarrow" : ""}`,
        ...(k ? [] : ["import os"]),
        "import duckdb",
        "",
        "con = duckdb.connect()",
        'con.execute("INSTALL httpfs")',
        'con.execute("LOAD httpfs")',
        ...settings.map((s) => `con.execute(${py(s)})`),
        ...keys,
        "",
        `query = ${pyQuery(sql)}`,
        polars ? "df = con.sql(query).pl()  # a polars DataFrame" : "df = con.sql(query).df()  # a pandas DataFrame",
        "print(df)",
      ].join("\n");
    }
    case "r-duckdb": {
      const r = (s: string) => JSON.stringify(s); // JSON strings are valid R strings
      const keys = k
        ? [
            `dbExecute(con, "SET s3_access_key_id = ?", params = list(${r(k.accessKeyId)}))`,
            `dbExecute(con, "SET s3_secret_access_key = ?", params = list(${r(k.secretAccessKey)}))`,
            ...(k.sessionToken ? [`dbExecute(con, "SET s3_session_token = ?", params = list(${r(k.sessionToken)}))`] : []),
          ]
        : [
            `dbExecute(con, "SET s3_access_key_id = ?", params = list(Sys.getenv("AWS_ACCESS_KEY_ID")))`,
            `dbExecute(con, "SET s3_secret_access_key = ?", params = list(Sys.getenv("AWS_SECRET_ACCESS_KEY")))`,
            `if (nzchar(Sys.getenv("AWS_SESSION_TOKEN"))) {`,
            `  dbExecute(con, "SET s3_session_token = ?", params = list(Sys.getenv("AWS_SESSION_TOKEN")))`,
            `}`,
          ];
      return [
        '# install.packages("duckdb")',
        "library(duckdb)",
        "",
        "con <- dbConnect(duckdb())",
        'dbExecute(con, "INSTALL httpfs")',
        'dbExecute(con, "LOAD httpfs")',
        ...settings.map((s) => `dbExecute(con, ${r(s)})`),
        ...keys,
        "",
        `df <- dbGetQuery(con, ${rRaw(sql)})`,
        "print(df)",
      ].join("\n");
    }
  }
}
