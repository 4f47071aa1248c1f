// Turns plans into requests against a running host (markers -> tokens and session ids, templates ->
// bytes) and keeps what each one got, for the suite's assertions.
import type http from 'node:http';
import type { HttpPlan, Plan, RawPlan } from './arbitraries.ts';
import { renderBody } from './arbitraries.ts';
import { rawShot, type ShotResult, shoot, type Target } from './clients.ts';

export interface Actors {
  seed: number;
  /** The caller (mcp:tools mcp:admin). */
  token: string;
  /** Another user. */
  otherToken: string;
  /** The caller's identity with another audience. */
  otherAudienceToken: string;
  /** The caller's 2025 sessions (id and negotiated version). */
  sessions: Array<{ sessionId: string; version: string }>;
  otherSession: string;
  sseSession: string;
  otherSseSession: string;
}

/** How long one request may take, start to end of its response, before it counts as hung. */
export const SETTLE_MS = 15_000;
/** How long a raw socket may wait for the host to answer or close. */
export const RAW_SETTLE_MS = 10_000;

export interface Fired {
  index: number;
  plan: Plan;
  /** user-agent tag of an HTTP plan: attack/<seed>/<index>. */
  tag?: string;
  result: ShotResult | { status?: number; settled: boolean; error?: string; leftEarly?: boolean; ms?: number };
}

function fill(text: string, a: Actors, i: number): string {
  if (!text.includes('@@')) return text;
  const s = a.sessions[i % a.sessions.length]!;
  return text
    .replaceAll('@@JWT@@', a.token)
    .replaceAll('@@VIEWER@@', a.otherToken)
    .replaceAll('@@OTHERAUD@@', a.otherAudienceToken)
    .replaceAll('@@SESSIONVERSION@@', s.version)
    .replaceAll('@@OTHERSESSION@@', a.otherSession)
    .replaceAll('@@SESSION@@', s.sessionId)
    .replaceAll('@@OTHERSSE@@', a.otherSseSession)
    .replaceAll('@@SSE@@', a.sseSession);
}

export function tagOf(seed: number, index: number): string {
  return `attack/${seed}/${index}`;
}

/** The request an HTTP plan stands for, with every marker filled in. */
export function materialize(plan: HttpPlan, a: Actors, index: number, agent: http.Agent) {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(plan.headers)) headers[k] = fill(v, a, index);
  headers['user-agent'] = tagOf(a.seed, index);
  const body = plan.body === undefined ? undefined : Buffer.from(fill(renderBody(plan.body, a.seed), a, index));
  if (body) headers['content-length'] = String(body.length);
  return {
    method: plan.method,
    path: fill(plan.path, a, index),
    headers,
    body,
    leave: plan.leave,
    settleMs: SETTLE_MS,
    agent,
  };
}

const BIG = Buffer.alloc(1024 * 1024, 0x61);

export async function fire(target: Target, plan: Plan, a: Actors, index: number, agent: http.Agent): Promise<Fired> {
  if (plan.kind === 'raw') return { index, plan, result: await fireRaw(target, plan) };
  const result = await shoot(target, materialize(plan, a, index, agent));
  return { index, plan, tag: tagOf(a.seed, index), result };
}

export function fireRaw(target: Target, plan: RawPlan) {
  const chunks = plan.chunks.map((c) => (c === '@@BIG@@' ? BIG : c));
  return rawShot(target, chunks, { close: plan.close, settleMs: RAW_SETTLE_MS });
}

/** A one-line description of a plan for failure messages (no tokens, bodies cut short). */
export function describe(f: Fired): string {
  const p = f.plan;
  if (p.kind === 'raw') return `#${f.index} raw ${p.name}`;
  const interesting = Object.entries(p.headers)
    .filter(([k]) => k !== 'content-type' && k !== 'accept')
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  const body = p.body === undefined ? '' : renderBody(p.body, 0);
  const shortBody = body.length > 160 ? `${body.slice(0, 160)}… (${body.length} chars)` : body;
  return `#${f.index} ${p.route} ${p.method} ${p.path} [${interesting}] ${shortBody}`;
}
