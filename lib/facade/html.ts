// The façade's two pages: the consent page and the error page (shown instead of redirecting when the client or
// its redirect URI cannot be trusted, RFC 6749 section 4.1.2.1). No script, no framing; the form posts to the façade.

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  // No form-action: browsers apply it to the redirects that follow the consent post too (to the IdP, or back to
  // the client on deny), which would block the flow. The page has no script and escapes every value it shows.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:4rem auto;padding:0 1rem}
button{margin:.4rem .4rem 0 0;padding:.5rem 1rem;font-size:1rem}code{word-break:break-all}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`;
}

/** An HTML error page (never a redirect). */
export function errorPage(status: number, message: string): Response {
  return new Response(page('Authorization error', `<p>${esc(message)}</p>`), { status, headers: HEADERS });
}

export interface ConsentView {
  action: string;
  pendingId: string;
  csrf: string;
  clientName: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  resource: string;
}

/** The consent page: names the client, where the code goes, the scopes and the resource. */
export function consentPage(v: ConsentView, setCookie: string): Response {
  const html = page(
    'Allow access to the MCP server?',
    `<p><b>${esc(v.clientName)}</b> (<code>${esc(v.clientId)}</code>) asks to call tools on
<code>${esc(v.resource)}</code> as you, with the scopes <code>${esc(v.scopes.join(' ') || '(none)')}</code>.</p>
<p>After you sign in, you will be sent back to <code>${esc(v.redirectUri)}</code>.</p>
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="request" value="${esc(v.pendingId)}">
<input type="hidden" name="csrf" value="${esc(v.csrf)}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
  );
  return new Response(html, { status: 200, headers: { ...HEADERS, 'set-cookie': setCookie } });
}
