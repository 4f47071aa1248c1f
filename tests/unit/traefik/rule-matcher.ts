// A small evaluator for the subset of Traefik v3 rule syntax the configs use:
// Host, Path, PathPrefix, Method, Header, &&, ||, ! and parentheses. Enough to ask "which router gets
// GET /sse on mcp.localhost?" without a Traefik binary. Unknown matchers throw, so a config that
// starts using one fails the test loudly instead of matching by accident.

export interface SampleRequest {
  host: string;
  method: string;
  path: string;
  /** Header name (any case) -> its values, as the client sent them (repeats as separate values). */
  headers?: Record<string, string | string[]>;
}

/** Traefik v3 Header(key, value): some value of that header (name case-insensitive) equals `value` exactly. */
function headerMatches(req: SampleRequest, key: string, value: string): boolean {
  for (const [name, v] of Object.entries(req.headers ?? {}))
    if (name.toLowerCase() === key.toLowerCase() && (Array.isArray(v) ? v : [v]).includes(value)) return true;
  return false;
}

type Token = { kind: 'op'; value: '&&' | '||' | '!' | '(' | ')' } | { kind: 'call'; name: string; args: string[] };

function tokenize(rule: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (rule.startsWith('&&', i) || rule.startsWith('||', i)) {
      out.push({ kind: 'op', value: rule.slice(i, i + 2) as '&&' | '||' });
      i += 2;
    } else if (c === '!' || c === '(' || c === ')') {
      out.push({ kind: 'op', value: c });
      i++;
    } else {
      const m = /^([A-Za-z]+)\(((?:\s*`[^`]*`\s*,?)*)\)/.exec(rule.slice(i));
      if (!m) throw new Error(`cannot parse rule at: ${rule.slice(i)}`);
      const args = [...m[2]!.matchAll(/`([^`]*)`/g)].map((a) => a[1]!);
      out.push({ kind: 'call', name: m[1]!, args });
      i += m[0].length;
    }
  }
  return out;
}

function call(name: string, args: string[], req: SampleRequest): boolean {
  const host = req.host.replace(/:\d+$/, '').toLowerCase();
  switch (name) {
    case 'Host':
      return args.some((a) => a.toLowerCase() === host);
    case 'Path':
      return args.includes(req.path);
    case 'PathPrefix':
      return args.some((a) => req.path.startsWith(a));
    case 'Method':
      return args.some((a) => a.toUpperCase() === req.method.toUpperCase());
    case 'Header':
      if (args.length !== 2) throw new Error(`Header takes a name and a value, got ${args.length} arguments`);
      return headerMatches(req, args[0]!, args[1]!);
    default:
      throw new Error(`matcher ${name} is not supported by the test's rule evaluator`);
  }
}

/** Does the Traefik rule match this request? */
export function ruleMatches(rule: string, req: SampleRequest): boolean {
  const tokens = tokenize(rule);
  let pos = 0;
  const peek = () => tokens[pos];
  // or := and ('||' and)* ; and := unary ('&&' unary)* ; unary := '!' unary | '(' or ')' | call
  const parseOr = (): boolean => {
    let v = parseAnd();
    while (peek()?.kind === 'op' && (peek() as { value: string }).value === '||') {
      pos++;
      const r = parseAnd();
      v = v || r;
    }
    return v;
  };
  const parseAnd = (): boolean => {
    let v = parseUnary();
    while (peek()?.kind === 'op' && (peek() as { value: string }).value === '&&') {
      pos++;
      const r = parseUnary();
      v = v && r;
    }
    return v;
  };
  const parseUnary = (): boolean => {
    const t = tokens[pos++];
    if (!t) throw new Error(`rule ends early: ${rule}`);
    if (t.kind === 'call') return call(t.name, t.args, req);
    if (t.value === '!') return !parseUnary();
    if (t.value === '(') {
      const v = parseOr();
      const close = tokens[pos++];
      if (close?.kind !== 'op' || close.value !== ')') throw new Error(`unbalanced parentheses: ${rule}`);
      return v;
    }
    throw new Error(`unexpected ${t.value} in ${rule}`);
  };
  const v = parseOr();
  if (pos !== tokens.length) throw new Error(`trailing tokens in rule: ${rule}`);
  return v;
}

export interface RouterLike {
  rule: string;
  priority?: number;
  // biome-ignore lint/suspicious/noExplicitAny: routers carry free-form YAML fields
  [key: string]: any;
}

/** The router Traefik would pick: highest priority (default: rule length) among the matching ones. */
export function pickRouter<R extends RouterLike>(
  routers: Record<string, R>,
  req: SampleRequest,
): [string, R] | undefined {
  const matching = Object.entries(routers).filter(([, r]) => ruleMatches(r.rule, req));
  matching.sort(([, a], [, b]) => (b.priority || b.rule.length) - (a.priority || a.rule.length));
  return matching[0];
}
