// WebApp.bodyFromText (lib/http/lambda.ts): for an app that reads a JSON body only as ctx.bodyText, the Request is
// built without its body stream. Hostile cases first: whatever another reader needs the bytes for keeps them (a
// form body, where the bearer check looks for a smuggled access_token; a body readJsonBody would not take as text:
// a BOM, a lone surrogate; a base64 body; a Content-Type that is not exactly JSON), and an app without the flag
// always gets the body. Events are hand-made (AWS stood in for), the response stream is local/runtime.ts's.
import { describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../../lib/http/index.ts';
import type { WebApp } from '../../../lib/web-handler.ts';
import {
  albEvent,
  type EventInit,
  functionUrlEvent,
  lambdaContext,
  recordingStream,
  restEvent,
} from '../../support/lambda.ts';

type Streaming = (e: unknown, s: unknown, c: unknown) => Promise<void>;
const SHAPES = { v2: functionUrlEvent, v1: restEvent, alb: albEvent } as const;

async function seen(init: EventInit, flag: boolean, shape: keyof typeof SHAPES = 'v2') {
  let text: string | undefined;
  let hasBody = false;
  let fromRequest = '';
  const app: WebApp = async (req, ctx) => {
    text = ctx.bodyText;
    hasBody = req.body !== null;
    fromRequest = await req.text();
    return new Response(null, { status: 204 });
  };
  if (flag) app.bodyFromText = true;
  await (lambdaHandler(app, 'stream') as Streaming)(SHAPES[shape](init), recordingStream().stream, lambdaContext());
  return { text, hasBody, fromRequest };
}

const json = { 'content-type': 'application/json' };

describe('bodyFromText: the body stays in the Request wherever a reader needs its bytes (hostile first)', () => {
  const keeps: Array<[string, EventInit]> = [
    [
      'a form body (the bearer check looks into it)',
      { method: 'POST', body: 'access_token=abc', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    ],
    ['JSON text with a BOM', { method: 'POST', body: '\ufeff{"a":1}', headers: json }],
    ['JSON text with a lone surrogate', { method: 'POST', body: '{"a":"\ud800"}', headers: json }],
    [
      'a Content-Type that only starts like JSON',
      { method: 'POST', body: '{}', headers: { 'content-type': 'application/jsonx' } },
    ],
    [
      'two Content-Types joined',
      { method: 'POST', body: '{}', headers: { 'content-type': 'application/json, text/plain' } },
    ],
    ['no Content-Type', { method: 'POST', body: '{}' }],
  ];
  for (const [what, init] of keeps) {
    it(`${what}: the Request keeps its body, in every shape`, async () => {
      for (const shape of ['v2', 'v1', 'alb'] as const) {
        const r = await seen(init, true, shape);
        expect(r.hasBody, shape).toBe(true);
        // What the Request decodes (a BOM dropped, a lone surrogate replaced) is for its readers to judge.
        expect(r.fromRequest.length, shape).toBeGreaterThan(0);
        expect(r.text, shape).toBe(init.body);
      }
    });
  }

  it('a base64 body: kept, and no bodyText', async () => {
    const r = await seen({ method: 'POST', body: Buffer.from('{"a":1}'), headers: json }, true);
    expect(r).toEqual({ text: undefined, hasBody: true, fromRequest: '{"a":1}' });
  });

  it('an app without the flag always gets the body', async () => {
    const r = await seen({ method: 'POST', body: '{"a":"é"}', headers: json }, false);
    expect(r).toEqual({ text: '{"a":"é"}', hasBody: true, fromRequest: '{"a":"é"}' });
  });
});

describe('bodyFromText: a JSON text body travels as ctx.bodyText alone', () => {
  it('in every shape, Content-Type with parameters and any case', async () => {
    for (const shape of ['v2', 'v1', 'alb'] as const) {
      for (const type of ['application/json', 'Application/JSON; charset=utf-8']) {
        const body = '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"a":"é€"}}';
        const r = await seen({ method: 'POST', body, headers: { 'content-type': type } }, true, shape);
        expect(r, `${shape} ${type}`).toEqual({ text: body, hasBody: false, fromRequest: '' });
      }
    }
  });
});
