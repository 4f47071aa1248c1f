// `doctor`: checks an MCP endpoint's auth and streaming wiring the way a real client meets them.
// Runtime-agnostic (fetch only); it never imports the server code, so it diagnoses any deployment.
//
//   runDoctor(opts: DoctorOptions): Promise<DoctorReport>
//     1. unauthenticated POST and GET → 401 with a Bearer challenge (resource_metadata, scope), real header name
//     2. PRM at the challenge URL and both well-known paths; resource equals the URL exactly
//     3. AS metadata in the spec's discovery order; issuer, S256, DCR/CIMD, JWKS
//     4. with opts.token: claims (decoded, not trusted), initialize, tools/list, stream_demo arrival times
//     5. a foreign Origin gets 403
import type { DoctorOptions, StepContext } from './context.ts';
import { type DoctorReport, reportOk, type Step } from './report.ts';
import { asStep } from './step-as.ts';
import { challengeStep } from './step-challenge.ts';
import { originStep } from './step-origin.ts';
import { prmStep } from './step-prm.ts';
import { tokenStep } from './step-token.ts';

export type { DoctorOptions } from './context.ts';
export { type Check, type DoctorReport, exitCodeOf, renderText, type Step } from './report.ts';

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const ctx: StepContext = {
    opts: {
      url: options.url,
      timeoutMs: options.timeoutMs ?? 10_000,
      chunks: options.chunks ?? 5,
      intervalMs: options.intervalMs ?? 300,
      foreignOrigin: options.foreignOrigin ?? 'https://doctor.invalid',
      ...(options.token ? { token: options.token } : {}),
    },
    found: { requiredScopes: [] },
  };
  const steps: Step[] = [];
  for (const step of [challengeStep, prmStep, asStep, tokenStep, originStep]) steps.push(await step(ctx));
  return {
    url: options.url,
    ok: reportOk(steps),
    startedAt,
    durationMs: Math.round(performance.now() - started),
    steps,
  };
}
