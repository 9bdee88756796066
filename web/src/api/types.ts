// Types of Basalt's /api/v1 responses, as the server documents them.

/** GET /api/v1/config: what the portal needs to brand and localise itself. */
export interface InstanceConfig {
  branding: Branding;
  /** Language codes the instance offers, e.g. ["en", "fr"]. */
  languages: string[];
  version: string;
}

export interface Branding {
  name: string;
  /** Empty when the instance has no logo. */
  logoUrl: string;
  palette: Palette;
}

export interface Palette {
  /** A CSS colour, e.g. "#2c5e8c". */
  primary: string;
}

/** GET /api/v1/version */
export interface VersionInfo {
  version: string;
  commit: string;
}

/** The body of every error response: {"error": {...}}. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: unknown;
  };
}
