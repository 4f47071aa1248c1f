// The authorization run answers the suite's login prompt: it must pick the authorization URL the suite prints
// after its prompt, and nothing else (the callback line, the redirect-URI reminder, URLs before the prompt).
import { describe, expect, it } from 'vitest';
import { authorizationUrlOf } from '../../../scripts/conformance/authorization.ts';

const AUTH =
  'http://127.0.0.1:8080/realms/mcp/protocol/openid-connect/auth?response_type=code&client_id=c&state=s&redirect_uri=http%3A%2F%2F127.0.0.1%3A4000%2Fcallback&code_challenge=x&code_challenge_method=S256';

describe('authorizationUrlOf', () => {
  it('takes the authorization URL printed after the prompt', () => {
    expect(authorizationUrlOf(AUTH, true)).toBe(AUTH);
    expect(authorizationUrlOf(`  ${AUTH}  `, true)).toBe(AUTH);
  });

  it('ignores it before the prompt, and ignores lines that are not an authorization request', () => {
    expect(authorizationUrlOf(AUTH, false)).toBeUndefined();
    for (const line of [
      'Callback server started: http://127.0.0.1:4000',
      "Ensure http://127.0.0.1:4000/callback is registered as a redirect URI for client 'c'.",
      'Waiting up to 5 minutes for the authorization callback...',
      'http://127.0.0.1:4000/callback?code=abc&state=s',
      '',
    ])
      expect(authorizationUrlOf(line, true), line).toBeUndefined();
  });
});
