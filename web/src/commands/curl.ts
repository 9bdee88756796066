/**
 * The curl command equivalent to a call of the API, as a script would send it: with the API
 * token from $BASALT_TOKEN (never its value), every word quoted for POSIX shells, and what a
 * body holds under secret-looking names masked as the server masks its commands.
 */
export function curlCommand(method: string, url: string, o: CurlOptions = {}): string {
  const words = ["curl", "-fsS"];
  if (method !== "GET") words.push("-X", method);
  words.push("-H", '"Authorization: Bearer $BASALT_TOKEN"');
  if (o.file) {
    words.push("-H", quote(`Content-Type: ${o.file.type || "application/octet-stream"}`), "--data-binary", quote(`@${o.file.name}`));
  } else if (o.body !== undefined) {
    words.push("-H", quote("Content-Type: application/json"), "-d", quote(JSON.stringify(masked(o.body, o.maskAll))));
  }
  words.push(quote(url));
  return words.join(" ");
}

export interface CurlOptions {
  /** A JSON body. */
  body?: unknown;
  /** A key of the body whose every value is secret (a secret's data). */
  maskAll?: string;
  /** A file sent as the body, from where the command runs. */
  file?: { name: string; type: string };
}

/** What the server shows in place of a secret (sdk.Masked). */
const MASKED = "********";
/** The server's rule for names of secret values (sdk.SecretName). */
const SECRET_NAME = /(password|secret|token|privatekey)/i;

/** body with the strings under secret-looking keys, and every string under maskAll, masked. */
function masked(body: unknown, maskAll?: string, hidden = false): unknown {
  if (typeof body === "string") return hidden && body !== "" ? MASKED : body;
  if (Array.isArray(body)) return body.map((v) => masked(v, maskAll, hidden));
  if (body !== null && typeof body === "object") {
    return Object.fromEntries(
      Object.entries(body).map(([k, v]) => [k, masked(v, undefined, hidden || SECRET_NAME.test(k) || k === maskAll)]),
    );
  }
  return body;
}

/** s as one word of a POSIX shell. */
function quote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'"'"'`)}'`;
}
