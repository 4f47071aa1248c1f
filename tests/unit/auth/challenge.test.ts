import { describe, expect, it } from 'vitest';
import {
  bearerChallenge,
  insufficientScope,
  invalidRequest,
  quotedString,
  rejection,
  unauthorized,
} from '../../../lib/auth/challenge.ts';
import { AuthError } from '../../../lib/auth/errors.ts';
import { loadConfig } from '../../../lib/config.ts';

const cfg = loadConfig({
  MCP_PUBLIC_URL: 'https://mcp.example.com/mcp',
  AUTH_ISSUER: 'https://as.example.com/realms/mcp',
});
const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

describe('quoting (hostile first)', () => {
  it('escapes quotes and backslashes, drops CR/LF and other control or non-ASCII characters', () => {
    expect(quotedString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quotedString('x\r\nSet-Cookie: y')).toBe('"xSet-Cookie: y"');
    expect(quotedString('caf\u00e9\u0000')).toBe('"caf"');
  });

  it('a description cannot break out of its parameter', () => {
    const res = unauthorized(cfg, new AuthError('invalid_token', 'bad", error="none\r\nX: y'));
    const header = res.headers.get('www-authenticate') ?? '';
    expect(header).toBe(
      `Bearer resource_metadata="${PRM}", scope="mcp:tools", error="invalid_token", error_description="bad, error=noneX: y"`,
    );
  });

  it('bearerChallenge skips undefined parameters', () => {
    expect(bearerChallenge([['a', undefined]])).toBe('Bearer');
    expect(
      bearerChallenge([
        ['a', '1'],
        ['b', undefined],
        ['c', '2'],
      ]),
    ).toBe('Bearer a="1", c="2"');
  });
});

describe('401 unauthorized', () => {
  it('without a token: resource_metadata and scope, no error code', async () => {
    const res = unauthorized(cfg);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${PRM}", scope="mcp:tools"`);
    expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      error: 'unauthorized',
      error_description: 'A Bearer access token in the Authorization header is required',
      resource_metadata: PRM,
    });
  });

  it('with a token: error="invalid_token" and a description', async () => {
    const res = unauthorized(cfg, new AuthError('invalid_token', 'The access token has expired'));
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${PRM}", scope="mcp:tools", error="invalid_token", error_description="The access token has expired"`,
    );
    expect(await res.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'The access token has expired',
    });
  });

  it('joins several required scopes with a space', () => {
    const two = { ...cfg, auth: { ...cfg.auth, requiredScopes: ['mcp:tools', 'openid'] } };
    expect(unauthorized(two).headers.get('www-authenticate')).toContain('scope="mcp:tools openid"');
  });
});

describe('400 and 403', () => {
  it('rejection picks 400 for invalid_request with status 400', () => {
    const err = new AuthError('invalid_request', 'Access tokens are not accepted in the query string', 400);
    expect(rejection(cfg, err).status).toBe(400);
    expect(invalidRequest(cfg, err).headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_request", error_description="Access tokens are not accepted in the query string", resource_metadata="${PRM}"`,
    );
    expect(rejection(cfg, new AuthError('invalid_request', 'x')).status).toBe(401);
    expect(rejection(cfg).status).toBe(401);
  });

  it('insufficient_scope: 403 with error first, the needed scopes and resource_metadata', async () => {
    const res = insufficientScope(cfg, ['mcp:tools', 'mcp:admin']);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", scope="mcp:tools mcp:admin", resource_metadata="${PRM}", error_description="The access token lacks a scope this request needs"`,
    );
    expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope', scope: 'mcp:tools mcp:admin' });
  });
});
