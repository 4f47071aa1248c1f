// The requestState keys from a Secrets Manager secret, read at runtime (REQUEST_STATE_KEYS_SECRET_ARN), through
// the real /mcp app in-process (auth off, fixtures on, 2026-07-28). Only AWS itself is mocked: a loopback HTTP
// server speaks the Secrets Manager JSON protocol (GetSecretValue) and the real SDK v3 client talks to it through
// AWS_ENDPOINT_URL_SECRETS_MANAGER, as in tests/integration/facade/keys.test.ts.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpApp } from '../../../lib/apps/mcp.ts';
import { requestStateKeysOf } from '../../../lib/apps/request-state-keys.ts';
import { ConfigError, loadConfig } from '../../../lib/config.ts';
import { SecretReadError } from '../../../lib/secrets/index.ts';
import { testContext } from '../../support/context.ts';

const URL_ = 'http://127.0.0.1:3000/mcp';
const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
const KEYS = `sm1:${randomBytes(32).toString('base64')},sm0:${randomBytes(32).toString('base64')}`;

/** What the fake Secrets Manager answers per SecretId: a SecretString, an AWS error, or never (hang). */
const secrets = new Map<string, string | { error: string } | 'hang'>();
const calls: Array<{ target: string; secretId: string; signed: boolean }> = [];
let server: Server;
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const { SecretId } = JSON.parse(body) as { SecretId: string };
    calls.push({
      target: String(req.headers['x-amz-target']),
      secretId: SecretId,
      signed: String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256'),
    });
    const answer = secrets.get(SecretId) ?? { error: 'ResourceNotFoundException' };
    if (answer === 'hang') return;
    if (typeof answer === 'object') {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: answer.error, message: `Secrets Manager can't find the secret ${SecretId}` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ ARN: SecretId, Name: 'keys', SecretString: answer, VersionId: 'v1' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
});
afterAll(() => {
  process.env = saved;
  server.closeAllConnections();
  server.close();
});

const cfgWith = (env: Record<string, string>) =>
  loadConfig({ AUTH_DISABLED: 'true', MCP_PUBLIC_URL: URL_, CONFORMANCE_FIXTURES: 'true', AUDIT_SINK: 'off', ...env });

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC frames are checked by the assertions.
type Frame = Record<string, any>;
let nextId = 1;

/** One tools/call of the elicitation fixture at 2026-07-28: the JSON-RPC answer. */
async function callTool(app: ReturnType<typeof createMcpApp>, extra: Frame = {}): Promise<Frame> {
  const id = nextId++;
  const params = {
    name: 'test_input_required_result_elicitation',
    arguments: {},
    ...extra,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
    },
  };
  const r = await app(
    new Request(URL_, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': params.name,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }),
    }),
    testContext(),
  );
  const text = await r.text();
  const frames = text.startsWith('{')
    ? [JSON.parse(text) as Frame]
    : text
        .split('\n')
        .filter((l) => l.startsWith('data: ') && l.length > 6)
        .map((l) => JSON.parse(l.slice(6)) as Frame);
  return frames.find((f) => f.id === id) ?? {};
}

describe('configuration', () => {
  it('REQUEST_STATE_KEYS_SECRET_ARN alone: no keys in the environment, the ARN kept for runtime', () => {
    const cfg = cfgWith({ REQUEST_STATE_KEYS_SECRET_ARN: arnOf('cfg') });
    expect(cfg.requestState).toEqual({ keys: [], secretArn: arnOf('cfg') });
  });

  it('both REQUEST_STATE_KEYS and REQUEST_STATE_KEYS_SECRET_ARN: a ConfigError, never a silent choice', () => {
    const both = () => cfgWith({ REQUEST_STATE_KEYS: KEYS, REQUEST_STATE_KEYS_SECRET_ARN: arnOf('cfg') });
    expect(both).toThrow(ConfigError);
    expect(both).toThrow(/REQUEST_STATE_KEYS_SECRET_ARN and REQUEST_STATE_KEYS are both set/);
  });
});

describe('the keys read from the secret at runtime', () => {
  it('seal with the secret first key, read once per instance; an instance with the same keys in env opens it', async () => {
    const arn = arnOf('good');
    secrets.set(arn, KEYS);
    const a = createMcpApp(cfgWith({ REQUEST_STATE_KEYS_SECRET_ARN: arn }));
    const first = await callTool(a);
    expect(first.result).toMatchObject({ resultType: 'input_required' });
    expect(first.result.requestState).toMatch(/^v1\.sm1\./);
    // Instance B holds the same keys through REQUEST_STATE_KEYS (local form): the retry completes there.
    const b = createMcpApp(cfgWith({ REQUEST_STATE_KEYS: KEYS }));
    const done = await callTool(b, {
      inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } },
      requestState: first.result.requestState,
    });
    expect(done.result.content).toEqual([{ type: 'text', text: 'Hello, Alice!' }]);
    // And A opens its own state; the secret was read once, with a signed GetSecretValue for that ARN.
    const again = await callTool(a, {
      inputResponses: { user_name: { action: 'accept', content: { name: 'Bob' } } },
      requestState: first.result.requestState,
    });
    expect(again.result.content).toEqual([{ type: 'text', text: 'Hello, Bob!' }]);
    expect(calls.filter((c) => c.secretId === arn)).toEqual([
      { target: 'secretsmanager.GetSecretValue', secretId: arn, signed: true },
    ]);
  });

  it('an unreadable secret fails closed naming the secret, and is read again on the next request', async () => {
    const arn = arnOf('missing');
    const app = createMcpApp(cfgWith({ REQUEST_STATE_KEYS_SECRET_ARN: arn }));
    const err = await callTool(app).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SecretReadError);
    expect((err as Error).message).toContain(arn);
    expect((err as Error).message).toContain('ResourceNotFoundException');
    secrets.set(arn, KEYS);
    const ok = await callTool(app);
    expect(ok.result.requestState).toMatch(/^v1\.sm1\./);
    expect(calls.filter((c) => c.secretId === arn).length).toBeGreaterThanOrEqual(2);
  });

  it('a secret that does not answer is given up after the timeout (SecretReadError naming it)', async () => {
    const arn = arnOf('slow');
    secrets.set(arn, 'hang');
    const err = await requestStateKeysOf(cfgWith({ REQUEST_STATE_KEYS_SECRET_ARN: arn }), 300).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SecretReadError);
    expect((err as Error).message).toContain(arn);
  });

  it('a malformed value is a ConfigError naming the secret, never echoing the value', async () => {
    const arn = arnOf('malformed');
    const value = `sm1:${randomBytes(16).toString('base64')}`;
    secrets.set(arn, value);
    const err = await requestStateKeysOf(cfgWith({ REQUEST_STATE_KEYS_SECRET_ARN: arn })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(arn);
    expect((err as Error).message).toMatch(/must be 32 bytes/);
    expect((err as Error).message).not.toContain(value.slice(4));
  });
});
