// Detection of JWT-shaped strings (JWS: 3 base64url segments, JWE: 5), shared by redaction and by
// the log scan that fails the build when a token ever reaches test output.
//
// Every JOSE header is a JSON object, so its base64url form starts with "eyJ" ('{"'). Over-matching
// is the safe side here: a false positive only redacts a harmless string.

const JWT_SHAPED_SOURCE = 'eyJ[A-Za-z0-9_-]{5,}(?:\\.[A-Za-z0-9_-]*){2,4}';

/** A fresh global RegExp (a new one per use: /g is stateful). */
export function jwtShapedPattern(): RegExp {
  return new RegExp(JWT_SHAPED_SOURCE, 'g');
}

export interface JwtFinding {
  line: number;
  column: number;
  /** First characters of the header and the total length: enough to find it, useless as a credential. */
  preview: string;
}

/** Every hit with its 1-based line and column and a preview that is NOT the token. */
export function findJwtShaped(text: string): JwtFinding[] {
  const findings: JwtFinding[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    for (const m of lines[i]!.matchAll(jwtShapedPattern())) {
      // A JWS needs a non-empty payload segment; a bare "eyJxxxxx.." is not a token.
      if (!/\.[A-Za-z0-9_-]+/.test(m[0])) continue;
      findings.push({
        line: i + 1,
        column: (m.index ?? 0) + 1,
        preview: `${m[0].slice(0, 8)}… (${m[0].length} chars)`,
      });
    }
  }
  return findings;
}
