import type { ErrorBody, FieldDetail as FieldViolation } from "./types";

/** Codes the client itself gives when the server did not send a decodable error. */
export const CLIENT_CODES = {
  network: "network_error",
  badResponse: "bad_response",
} as const;

/** An error answered by the API, or a failure to reach it. */
export class ApiError extends Error {
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** The server's machine-readable code, or one of CLIENT_CODES / "http_<status>". */
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== "object" || v === null) return false;
  const e = (v as { error?: unknown }).error;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { message?: unknown }).message === "string"
  );
}

/**
 * Turns an unsuccessful response's status and body text into an ApiError.
 * A body in Basalt's error shape keeps its code, message and details; anything
 * else (a proxy's HTML page, an empty body) becomes "http_<status>".
 */
export function decodeError(status: number, statusText: string, body: string): ApiError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isErrorBody(parsed)) {
    const { code, message, details } = parsed.error;
    return new ApiError(status, code, message, details);
  }
  const text = statusText ? `${status} ${statusText}` : `HTTP ${status}`;
  return new ApiError(status, `http_${status}`, text);
}

/** The field rules of an invalid_argument error (details.fields), or none. */
export function fieldViolations(err: unknown): FieldViolation[] {
  if (!(err instanceof ApiError)) return [];
  const fields = (err.details as { fields?: unknown } | undefined)?.fields;
  if (!Array.isArray(fields)) return [];
  return fields.filter(
    (f): f is FieldViolation =>
      typeof f === "object" && f !== null && typeof f.field === "string" && typeof f.rule === "string",
  );
}

/** Whether err is the abort of a request the portal cancelled itself. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === "AbortError";
}
