// The RequestHead of an event, for apps that answer some requests early (EarlyAnswerer, lib/web-handler.ts).
// It is offered only when buildRequest would carry the event over faithfully (no defect), so that its method
// and header lookups are exactly the Request's and its url parses to the Request's URL. What it cannot vouch
// for cheaply (a method outside the usual ones, a header name or value a Headers object would refuse or
// rewrite, a Host or X-Forwarded-Proto that forms no origin) gets no head: the app then sees the Request.
import type { RequestHead } from '../web-handler.ts';
import { type EventParts, originOf, tailOf } from './request.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
// RFC 9110 token: what Headers accepts as a name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A subset of what Headers keeps as is: Latin-1 without controls other than tab (no NUL, CR or LF).
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// Headers strips leading and trailing HTTP whitespace (of which VALUE lets only tab and space through).
const EDGE_SPACE = /^[\t ]+|[\t ]+$/g;
const MAX_ORIGINS = 64;

// Whether an origin parses as a URL, remembered for a few origins: a function sees one or two Hosts, but
// Host is caller input, so the map is bounded (and a Map: no prototype lookups).
const parses = new Map<string, boolean>();

function originParses(origin: string): boolean {
  let ok = parses.get(origin);
  if (ok === undefined) {
    ok = URL.canParse(origin);
    if (parses.size >= MAX_ORIGINS) parses.clear();
    parses.set(origin, ok);
  }
  return ok;
}

/** The head of the Request requestOf(parts) would build, or undefined when it cannot be given exactly. */
export function headOf(parts: EventParts): RequestHead | undefined {
  if (!METHODS.has(parts.method)) return undefined;
  const { origin, defect } = originOf(parts.proto, parts.host);
  if (defect !== undefined || !originParses(origin)) return undefined;
  const headers = parts.headers;
  for (const name in headers) if (!TOKEN.test(name) || !VALUE.test(headers[name]!)) return undefined;
  return {
    method: parts.method,
    url: origin + tailOf(parts.path, parts.query),
    headers: {
      get(name) {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : value.replace(EDGE_SPACE, '');
      },
    },
  };
}
