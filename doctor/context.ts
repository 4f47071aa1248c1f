// What the doctor's steps share: the options and the facts earlier steps found for later ones.

export interface DoctorOptions {
  /** The MCP URL exactly as a client would use it. */
  url: string;
  /** An access token (never printed, sent only to `url`). */
  token?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** stream_demo arguments; defaults 5 chunks, 300 ms apart. */
  chunks?: number;
  intervalMs?: number;
  /** The Origin a browser on another site would send; default https://doctor.invalid. */
  foreignOrigin?: string;
}

export interface Findings {
  challengeParams?: Record<string, string>;
  prm?: Record<string, unknown>;
  issuer?: string;
  asMetadata?: Record<string, unknown>;
  requiredScopes: string[];
}

export interface StepContext {
  opts: Required<Omit<DoctorOptions, 'token'>> & { token?: string };
  found: Findings;
}
