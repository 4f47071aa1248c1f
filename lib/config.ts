// All environment configuration is parsed and validated here, once, and nowhere else.
// A bad value stops start-up with a ConfigError that names the variable (Powertools style),
// so a misconfigured function fails at init instead of on some later request.
// Over 250 lines on purpose: every variable is parsed in this one module, so none is read anywhere else.
// The scopes follow from the tools: loadConfig gets the catalogue's manifest (plain data, no tool is loaded) and
// advertises AUTH_REQUIRED_SCOPES plus every scope a served tool declares; an AUTH_SCOPES_SUPPORTED that leaves
// one out is refused, naming the tool.
import { type AuthProfileSettings, loadAuthProfileSettings } from './auth/profile-config.ts';
import { declaredScopes, type ToolCatalogue, toolNeeding } from './tools/catalogue.ts';
import { SCOPE_TOKEN } from './tools/scopes.ts';

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

export type Env = Record<string, string | undefined>;

/** AUTH_PROFILE with its audience, client and scope-prefix settings: lib/auth/profile-config.ts. */
export interface AuthConfig extends AuthProfileSettings {
  /** false only when AUTH_DISABLED=true (conformance runs without auth); never in a deployment. */
  enabled: boolean;
  /** Exact `iss` the tokens must carry (AUTH_ISSUER). */
  issuer: string;
  /** Explicit JWKS URL (AUTH_JWKS_URL); otherwise it comes from the issuer's discovery document. */
  jwksUrl: string | undefined;
  /** Scopes every MCP request needs (AUTH_REQUIRED_SCOPES). */
  requiredScopes: string[];
  /**
   * Scopes advertised in the PRM: AUTH_SCOPES_SUPPORTED, else requiredScopes plus every scope a served tool
   * declares (it must contain those either way).
   */
  scopesSupported: string[];
  algorithms: string[];
  clockToleranceSec: number;
  jwksCooldownMs: number;
  jwksTimeoutMs: number;
  /** Largest token accepted before parsing, in bytes. */
  maxTokenBytes: number;
  /**
   * How long a warm instance remembers a token that passed verification (AUTH_VERIFIED_TOKEN_CACHE_S;
   * 0 = verify the signature on every request). exp is re-checked on every use either way.
   */
  verifiedTokenCacheMs: number;
  /** Token claims copied into the identity for Cedar policies (AUTH_POLICY_CLAIMS; strings or string lists). */
  policyClaims: string[];
}

export interface StoreConfig {
  kind: 'memory' | 'dynamodb';
  dynamodbEndpoint: string | undefined;
  region: string;
  sessionsTable: string;
  eventsTable: string;
  messagesTable: string;
  /** Idle lifetime of a session in seconds. */
  sessionTtlSec: number;
  /** How often a stream looks for new events/messages in the shared store. */
  pollIntervalMs: number;
  /** A stream closes itself (with a retry hint) this long before the function timeout would cut it. */
  streamMaxDurationMs: number;
  keepAliveMs: number;
}

export interface AuditConfig {
  sink: 'stdout' | 'dynamodb' | 'off';
  table: string;
  ttlDays: number;
  /** Per-tool allow-list of argument fields that may be logged raw: `tool:field,tool:field`. */
  argsAllowList: Record<string, string[]>;
}

/** Operational logs (Powertools Logger) and CloudWatch metrics (EMF, Powertools Metrics). */
export interface OpsConfig {
  /** LOG_LEVEL: the least severe operational line written. */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** POWERTOOLS_SERVICE_NAME, else RESOURCE_NAME: `service` in every log line and the metrics' `service` dimension. */
  serviceName: string;
  /** POWERTOOLS_METRICS_NAMESPACE: the CloudWatch namespace of the EMF metrics. */
  metricsNamespace: string;
  /** false when POWERTOOLS_METRICS_DISABLED=true: no EMF lines are written. */
  metricsEnabled: boolean;
  /** POWERTOOLS_LOGGER_SAMPLE_RATE (0..1): share of invocations logged at DEBUG whatever LOG_LEVEL says. */
  logSampleRate: number;
}

/** One key of REQUEST_STATE_KEYS: a key id and 32 bytes for AES-256-GCM. */
export interface RequestStateKey {
  kid: string;
  key: Uint8Array;
}

/** Keys that seal the `requestState` of input-required results (2026-07-28). */
export interface RequestStateConfig {
  /** REQUEST_STATE_KEYS `kid:base64key,...`: the first seals, every one opens (rotation). Empty = unset. */
  keys: RequestStateKey[];
  /**
   * REQUEST_STATE_KEYS_SECRET_ARN (AWS): the Secrets Manager secret whose SecretString is REQUEST_STATE_KEYS, read
   * at runtime once per instance (lib/apps/request-state-keys.ts), so the keys never sit in the environment.
   */
  secretArn: string | undefined;
}

export interface Config {
  publicUrl: string;
  /** Origin of publicUrl, e.g. https://mcp.example.com */
  publicOrigin: string;
  /** URL of the PRM document for publicUrl (RFC 9728 path-suffixed form). */
  resourceMetadataUrl: string;
  resourceName: string;
  resourceDocumentation: string | undefined;
  allowedOrigins: string[];
  /** Host header values accepted (DNS-rebinding defence); Lambda Function URL hosts are always accepted. */
  allowedHosts: string[];
  maxBodyBytes: number;
  responseMode: 'stream' | 'buffered';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  conformanceFixtures: boolean;
  /** DEMO_TOOLS: serve the demo tools (echo, whoami, stream_demo, …) besides tools/; default true. */
  demoTools: boolean;
  auth: AuthConfig;
  store: StoreConfig;
  audit: AuditConfig;
  ops: OpsConfig;
  requestState: RequestStateConfig;
  tasks: TasksConfig;
}

/** The tasks extension (lib/mcp/tasks): where workers run and their bounds. */
export interface TasksConfig {
  /**
   * TASKS: `local` runs workers in this process (npm start), `lambda` starts a durable execution of the task worker
   * function per task (TASK_WORKER_ARN, AWS), `off` serves no tasks.
   */
  mode: 'local' | 'lambda' | 'off';
  /** TASK_WORKER_ARN: the task worker's alias ARN (TASKS=lambda on the MCP function). */
  workerArn: string | undefined;
  /** TASKS_TABLE: the DynamoDB table of task records (STORE=dynamodb). */
  table: string;
  /** TASK_TTL_S: how long a task stays readable after its longest possible run (ttlMs = this + maxRunMs). */
  ttlMs: number;
  /** TASK_LEASE_MS: a worker that misses renewing this long is taken as stopped (its task fails). */
  leaseMs: number;
  /** TASK_MAX_RUN_S: the longest a task may run in total (the durable ExecutionTimeout). */
  maxRunMs: number;
}

function str(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') {
    if (fallback === undefined) throw new ConfigError(name, 'is required but not set');
    return fallback;
  }
  return v.trim();
}

function optional(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function list(env: Env, name: string, fallback: string[], sep: RegExp = /[\s,]+/): string[] {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  return raw.split(sep).filter(Boolean);
}

/** A space- or comma-separated list of OAuth scope tokens (they end up quoted in WWW-Authenticate). */
function scopes(env: Env, name: string, fallback: string[]): string[] {
  const values = list(env, name, fallback);
  for (const v of values) {
    if (!SCOPE_TOKEN.test(v))
      throw new ConfigError(name, `entries must be scope tokens (no quotes or backslashes), got "${v}"`);
  }
  return values;
}

function ratio(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || n > 1) throw new ConfigError(name, `must be a number from 0 to 1, got "${raw}"`);
  return n;
}

function url(env: Env, name: string, fallback?: string): string {
  const raw = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  if (parsed.hash) throw new ConfigError(name, 'must not contain a #fragment');
  return raw;
}

const SAFE_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** The PRM URL for a resource, per RFC 9728 section 3.1: well-known prefix inserted before the path. */
export function resourceMetadataUrlFor(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}/.well-known/oauth-protected-resource${path}`;
}

// CloudWatch's rule for namespaces; "AWS/" is reserved for AWS's own.
const NAMESPACE = /^(?!AWS\/)(?=.*\S)[\w.\-/#: ]{1,255}$/;

/** The operational-logging and metrics settings alone (no other variable is read or required). */
export function loadOpsConfig(env: Env = process.env): OpsConfig {
  const metricsNamespace = str(env, 'POWERTOOLS_METRICS_NAMESPACE', 'McpLambdaStack');
  if (!NAMESPACE.test(metricsNamespace)) {
    throw new ConfigError(
      'POWERTOOLS_METRICS_NAMESPACE',
      `must be 1-255 of A-Z a-z 0-9 . - _ / # : and space, not starting with AWS/, got "${metricsNamespace}"`,
    );
  }
  const serviceVar = optional(env, 'POWERTOOLS_SERVICE_NAME') ? 'POWERTOOLS_SERVICE_NAME' : 'RESOURCE_NAME';
  const serviceName = str(env, serviceVar, 'mcp-lambda-stack');
  // It is a metric dimension value: CloudWatch takes at most 255 characters here, no control characters.
  if (!/^\P{Cc}{1,255}$/u.test(serviceName)) {
    throw new ConfigError(serviceVar, 'must be at most 255 characters without control characters');
  }
  return {
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    serviceName,
    metricsNamespace,
    metricsEnabled: !bool(env, 'POWERTOOLS_METRICS_DISABLED', false),
    logSampleRate: ratio(env, 'POWERTOOLS_LOGGER_SAMPLE_RATE', 0),
  };
}

/**
 * MCP_PUBLIC_URL is compared byte for byte (PRM `resource`, token `aud`), so it must be written the way clients
 * use it: no trailing slash after a path (`/mcp/` is another URL, and the local host would answer 404 on it; a bare
 * origin keeps its `/`), no query.
 */
function publicUrlOf(env: Env): string {
  const raw = url(env, 'MCP_PUBLIC_URL', 'http://127.0.0.1:3000/mcp');
  const u = new URL(raw);
  if (raw.endsWith('/') && u.pathname !== '/') {
    throw new ConfigError(
      'MCP_PUBLIC_URL',
      `must not end with a slash, got "${raw}": clients and tokens use the URL exactly; use ${raw.replace(/\/+$/, '')}`,
    );
  }
  if (u.search) throw new ConfigError('MCP_PUBLIC_URL', `must not have a query, got "${raw}"`);
  return raw;
}

/** The PRM's scopes: AUTH_SCOPES_SUPPORTED or the derived list; either way every declared scope is in it. */
function scopesSupportedOf(env: Env, required: string[], catalogue: Pick<ToolCatalogue, 'tools'>, demo: boolean) {
  const declared = declaredScopes(catalogue, demo).map((s) => s.name);
  const derived = [...new Set([...required, ...declared])];
  const explicit = scopes(env, 'AUTH_SCOPES_SUPPORTED', []);
  if (!explicit.length) return derived;
  const missing = derived.filter((s) => !explicit.includes(s));
  if (missing.length) {
    const why = missing.map((s) =>
      required.includes(s) ? `${s} (AUTH_REQUIRED_SCOPES)` : `${s} (tool ${toolNeeding(catalogue, demo, s)})`,
    );
    throw new ConfigError(
      'AUTH_SCOPES_SUPPORTED',
      `leaves out ${why.join(', ')}; add them, or leave it unset to advertise exactly ${derived.join(' ')}`,
    );
  }
  return explicit;
}

/**
 * Parses and checks every variable. `catalogue` is the tool manifest (generated/tools.ts) the scopes follow from;
 * without it only AUTH_REQUIRED_SCOPES (or AUTH_SCOPES_SUPPORTED) is advertised.
 */
export function loadConfig(env: Env = process.env, catalogue: Pick<ToolCatalogue, 'tools'> = { tools: [] }): Config {
  const publicUrl = publicUrlOf(env);
  const publicOrigin = new URL(publicUrl).origin;
  const authEnabled = !bool(env, 'AUTH_DISABLED', false);
  const issuer = authEnabled ? url(env, 'AUTH_ISSUER') : (optional(env, 'AUTH_ISSUER') ?? '');
  const jwksUrl = optional(env, 'AUTH_JWKS_URL') === undefined ? undefined : url(env, 'AUTH_JWKS_URL');
  const algorithms = list(env, 'AUTH_ALGORITHMS', ['RS256', 'PS256', 'ES256']);
  for (const alg of algorithms) {
    if (!SAFE_ALGS.includes(alg)) {
      throw new ConfigError(
        'AUTH_ALGORITHMS',
        `may only name asymmetric algorithms (${SAFE_ALGS.join(', ')}), got "${alg}"`,
      );
    }
  }
  // No prototype: a tool named like an Object.prototype key (constructor, toString) is a plain entry.
  const argsAllowList: Record<string, string[]> = Object.create(null);
  for (const entry of list(env, 'AUDIT_ARGS_ALLOWLIST', [])) {
    const m = /^([\w.-]+):([\w.-]+)$/.exec(entry);
    if (!m) throw new ConfigError('AUDIT_ARGS_ALLOWLIST', `entries must look like tool:field, got "${entry}"`);
    const tool = m[1]!;
    argsAllowList[tool] = [...(Object.hasOwn(argsAllowList, tool) ? argsAllowList[tool]! : []), m[2]!];
  }
  const allowedOrigins = list(env, 'ALLOWED_ORIGINS', [publicOrigin]);
  for (const o of allowedOrigins) {
    if (o !== '*' && !/^https?:\/\/[^/]+$/.test(o)) {
      throw new ConfigError(
        'ALLOWED_ORIGINS',
        `entries must be origins like https://host[:port] with no path, got "${o}"`,
      );
    }
  }
  const publicHost = new URL(publicUrl).host;
  const allowedHosts = list(env, 'ALLOWED_HOSTS', [publicHost, 'localhost', '127.0.0.1', '[::1]']);
  const prefix = optional(env, 'TABLE_PREFIX') ?? 'mcp-lambda-stack';
  const ops = loadOpsConfig(env);
  const demoTools = bool(env, 'DEMO_TOOLS', true);
  const requiredScopes = scopes(env, 'AUTH_REQUIRED_SCOPES', ['mcp:tools']);
  return {
    publicUrl,
    publicOrigin,
    resourceMetadataUrl: resourceMetadataUrlFor(publicUrl),
    resourceName: str(env, 'RESOURCE_NAME', 'mcp-lambda-stack'),
    resourceDocumentation: optional(env, 'RESOURCE_DOCUMENTATION'),
    allowedOrigins,
    allowedHosts,
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 6 * 1024 * 1024),
    responseMode: oneOf(env, 'RESPONSE_MODE', ['stream', 'buffered'] as const, 'stream'),
    logLevel: ops.logLevel,
    conformanceFixtures: bool(env, 'CONFORMANCE_FIXTURES', false),
    demoTools,
    auth: {
      enabled: authEnabled,
      issuer,
      jwksUrl,
      ...loadAuthProfileSettings(env, publicUrl, issuer, (v, p) => new ConfigError(v, p)),
      requiredScopes,
      scopesSupported: scopesSupportedOf(env, requiredScopes, catalogue, demoTools),
      algorithms,
      clockToleranceSec: int(env, 'AUTH_CLOCK_TOLERANCE_S', 30, 0, 300),
      jwksCooldownMs: int(env, 'AUTH_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
      jwksTimeoutMs: int(env, 'AUTH_JWKS_TIMEOUT_MS', 3_000, 100, 60_000),
      maxTokenBytes: int(env, 'AUTH_MAX_TOKEN_BYTES', 8192, 256, 65_536),
      verifiedTokenCacheMs: int(env, 'AUTH_VERIFIED_TOKEN_CACHE_S', 30, 0, 300) * 1000,
      policyClaims: list(env, 'AUTH_POLICY_CLAIMS', ['groups', 'tenant']),
    },
    store: {
      kind: oneOf(env, 'STORE', ['memory', 'dynamodb'] as const, 'memory'),
      dynamodbEndpoint: optional(env, 'DYNAMODB_ENDPOINT') === undefined ? undefined : url(env, 'DYNAMODB_ENDPOINT'),
      region: str(env, 'AWS_REGION', 'us-east-1'),
      sessionsTable: str(env, 'SESSIONS_TABLE', `${prefix}-sessions`),
      eventsTable: str(env, 'EVENTS_TABLE', `${prefix}-events`),
      messagesTable: str(env, 'MESSAGES_TABLE', `${prefix}-messages`),
      sessionTtlSec: int(env, 'SESSION_TTL_S', 3600, 10, 30 * 86_400),
      pollIntervalMs: int(env, 'STREAM_POLL_MS', 100, 10, 10_000),
      streamMaxDurationMs: int(env, 'STREAM_MAX_DURATION_MS', 840_000, 1_000, 900_000),
      keepAliveMs: int(env, 'KEEPALIVE_MS', 15_000, 0, 300_000),
    },
    audit: {
      sink: oneOf(env, 'AUDIT_SINK', ['stdout', 'dynamodb', 'off'] as const, 'stdout'),
      table: str(env, 'AUDIT_TABLE', `${prefix}-audit`),
      ttlDays: int(env, 'AUDIT_TTL_DAYS', 90, 1, 3650),
      argsAllowList,
    },
    ops,
    requestState: requestStateConfig(env),
    tasks: {
      mode: oneOf(env, 'TASKS', ['local', 'lambda', 'off'] as const, 'local'),
      workerArn: optional(env, 'TASK_WORKER_ARN'),
      table: str(env, 'TASKS_TABLE', `${prefix}-tasks`),
      ttlMs: int(env, 'TASK_TTL_S', 86_400, 60, 90 * 86_400) * 1000,
      leaseMs: int(env, 'TASK_LEASE_MS', 6_000, 300, 600_000),
      maxRunMs: int(env, 'TASK_MAX_RUN_S', 3_600, 1, 31_622_400) * 1000,
    },
  };
}

/** REQUEST_STATE_KEYS (local, dev) or REQUEST_STATE_KEYS_SECRET_ARN (AWS), never both. */
function requestStateConfig(env: Env): RequestStateConfig {
  const raw = optional(env, 'REQUEST_STATE_KEYS');
  const secretArn = optional(env, 'REQUEST_STATE_KEYS_SECRET_ARN');
  if (raw !== undefined && secretArn !== undefined)
    throw new ConfigError('REQUEST_STATE_KEYS_SECRET_ARN', 'and REQUEST_STATE_KEYS are both set: set one of them');
  return { keys: raw === undefined ? [] : parseRequestStateKeys(raw, 'REQUEST_STATE_KEYS'), secretArn };
}

/**
 * REQUEST_STATE_KEYS: `kid:base64key` entries, comma separated; each key is exactly 32 bytes (AES-256).
 * The first entry seals new state, every entry opens state (so a rotated-out key keeps working until
 * the states it sealed have expired). The value is a secret: it never appears in an error message.
 * `source` names where it came from in the ConfigError (the variable, or the secret).
 */
export function parseRequestStateKeys(raw: string, source: string): RequestStateKey[] {
  const keys: RequestStateKey[] = [];
  const kids = new Set<string>();
  for (const [i, entry] of raw.split(',').entries()) {
    const m = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(entry.trim());
    if (!m) throw new ConfigError(source, `entry ${i + 1} must look like kid:base64key`);
    const key = Buffer.from(m[2]!, m[2]!.includes('-') || m[2]!.includes('_') ? 'base64url' : 'base64');
    if (key.length !== 32) throw new ConfigError(source, `key ${m[1]} must be 32 bytes, got ${key.length}`);
    if (kids.has(m[1]!)) throw new ConfigError(source, `key id ${m[1]} is used twice`);
    kids.add(m[1]!);
    keys.push({ kid: m[1]!, key: new Uint8Array(key) });
  }
  return keys;
}
