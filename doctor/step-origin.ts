// Step 5: a browser request from a foreign Origin is refused with 403 (DNS-rebinding defence).
import type { StepContext } from './context.ts';
import { probe } from './probe.ts';
import { fail, pass, type Step } from './report.ts';

export async function originStep(ctx: StepContext): Promise<Step> {
  const { url, timeoutMs, foreignOrigin } = ctx.opts;
  const title = `A foreign Origin (${foreignOrigin}) gets 403`;
  const r = await probe(
    url,
    {
      method: 'POST',
      headers: {
        origin: foreignOrigin,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(ctx.opts.token ? { authorization: `Bearer ${ctx.opts.token}` } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    },
    timeoutMs,
  );
  const check = !r.ok
    ? fail('origin.foreign-403', title, `The request failed: ${r.error}`, 'Check the URL')
    : r.status === 403
      ? pass('origin.foreign-403', title)
      : fail(
          'origin.foreign-403',
          title,
          `A POST with Origin ${foreignOrigin} got ${r.status}`,
          'Validate Origin before anything else and answer 403 for origins not in ALLOWED_ORIGINS',
        );
  return { id: 'origin', title: 'Origin validation', checks: [check] };
}
