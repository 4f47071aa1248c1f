// Parsing a WWW-Authenticate header the way an MCP client does (RFC 9110 section 11.6.1), and finding it
// when a gateway renamed it.
//
//   parseChallenges(header): AuthChallenge[]        every challenge: scheme plus lower-cased auth-params
//   bearerOf(header): AuthChallenge | undefined     the Bearer challenge, if any
//   REMAPPED_CHALLENGE_HEADER                        the name API Gateway REST moves WWW-Authenticate to
//   findChallenge(headers): { name, value } | undefined   the real header first, then the remapped one

export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

export const REMAPPED_CHALLENGE_HEADER = 'x-amzn-remapped-www-authenticate';

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/;

/** Pure: all challenges in a header value. Quoted strings may hold commas and escaped quotes. */
export function parseChallenges(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let rest = header.trim();
  let current: AuthChallenge | undefined;
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break;
    const after = rest.slice(name.length);
    const param = /^\s*=\s*/.exec(after);
    if (param && current) {
      let value: string;
      let tail = after.slice(param[0].length);
      if (tail.startsWith('"')) {
        let i = 1;
        value = '';
        for (; i < tail.length && tail[i] !== '"'; i++) {
          if (tail[i] === '\\' && i + 1 < tail.length) i++;
          value += tail[i];
        }
        tail = tail.slice(i + 1);
      } else {
        // Lenient like real clients: an unquoted value runs to the next comma or space (`scope=mcp:tools`).
        value = /^[^\s,]*/.exec(tail)?.[0] ?? '';
        tail = tail.slice(value.length);
      }
      current.params[name.toLowerCase()] = value;
      rest = tail;
    } else {
      // A new scheme; token68 credentials after it (e.g. `Negotiate abc==`) are skipped.
      current = { scheme: name, params: {} };
      out.push(current);
      rest = after.replace(/^\s+[A-Za-z0-9._~+/-]+=*\s*(?=,|$)/, '');
    }
  }
  return out;
}

export function bearerOf(header: string): AuthChallenge | undefined {
  return parseChallenges(header).find((c) => c.scheme.toLowerCase() === 'bearer');
}

export function findChallenge(headers: Headers): { name: string; value: string; remapped: boolean } | undefined {
  const real = headers.get('www-authenticate');
  if (real !== null) return { name: 'WWW-Authenticate', value: real, remapped: false };
  const remapped = headers.get(REMAPPED_CHALLENGE_HEADER);
  if (remapped !== null) return { name: 'x-amzn-Remapped-WWW-Authenticate', value: remapped, remapped: true };
  return undefined;
}
