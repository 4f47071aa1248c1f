// A user adds tools as one file each, in tools/ of a fresh copy of the repository (never in this checkout), one with
// a new scope (weather:write) and one with a new administrative scope (weather:purge, admin: true), and runs
// `npm start`: with the embedded AS, and with Keycloak where a Java 21+ exists (as on CI; skipped with the reason
// otherwise). Then, as the banner says: `npm run token` gives dev a token with the new scopes, the PRM lists them,
// tools/list shows the tools, the calls work; a token without the scope gets 403 insufficient_scope naming it, and
// viewer gets weather:write but not the administrative weather:purge.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJava } from '../../../local/java.ts';
import { instanceDir, keycloakCacheDir } from '../../../local/keycloak.ts';
import { decodeJwtPayload } from '../../../local/oauth-login.ts';
import { copyRepo, type RepoCopy, ROOT } from '../../support/repo-copy.ts';
import { type StackProcess, startStack, userEnv } from '../../support/stack-process.ts';
import { freePort, readChallenge } from '../login/login-flow.ts';

const run = promisify(execFile);
const java = await findJava({ minMajor: 21 });
const keycloakSkip = java ? undefined : 'no Java 21+ found (JAVA_HOME, update-alternatives, /usr/lib/jvm, /opt, PATH)';
if (keycloakSkip) console.warn(`SKIPPED tests/e2e/tools (Keycloak): ${keycloakSkip}`);

const SET_FORECAST = `import { z } from 'zod';
import { defineTool } from '../lib/tools/index.ts';

export default defineTool({
  name: 'set_forecast_e2e',
  description: 'Sets a forecast.',
  inputSchema: z.object({ city: z.string().max(100), forecast: z.string().max(100) }),
  scopes: ['weather:write'],
  async handler({ city, forecast }, { principal }) {
    return { content: [{ type: 'text', text: \`\${city}: \${forecast} by \${principal.subject}\` }] };
  },
});
`;
const PURGE = `import { z } from 'zod';
import { defineTool } from '../lib/tools/index.ts';

export default defineTool({
  name: 'purge_forecasts_e2e',
  description: 'Deletes every forecast.',
  inputSchema: z.object({}),
  scopes: ['weather:write', { name: 'weather:purge', description: 'Delete all forecasts', admin: true }],
  async handler() {
    return { content: [{ type: 'text', text: 'purged' }] };
  },
});
`;

/** A 2026-07-28 request as any current client sends it. */
async function rpc(url: string, token: string, method: string, params: Record<string, unknown>) {
  const name: Record<string, string> = typeof params.name === 'string' ? { 'mcp-name': params.name } : {};
  return fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
}

function defineToolSuite(kind: 'embedded' | 'keycloak', skipReason: string | undefined) {
  describe.skipIf(Boolean(skipReason))(`a tool with a new scope, one file in tools/, npm start with AS=${kind}`, () => {
    let repo: RepoCopy;
    let stack: StackProcess;
    let mcpUrl: string;
    let asPort: number;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      repo = copyRepo({ nodeModules: 'link', prefix: `mcp-stack-tools-${kind}-` });
      writeFileSync(path.join(repo.dir, 'tools', 'set_forecast_e2e.ts'), SET_FORECAST);
      writeFileSync(path.join(repo.dir, 'tools', 'purge_forecasts_e2e.ts'), PURGE);
      const port = await freePort();
      asPort = await freePort();
      mcpUrl = `http://127.0.0.1:${port}/mcp`;
      env = userEnv({
        PORT: String(port),
        AS_PORT: String(asPort),
        AS: kind,
        // The checkout's downloaded Keycloak; each AS_PORT gets its own home and database under it.
        KEYCLOAK_CACHE_DIR: keycloakCacheDir(),
      });
      // The real `npm start`, build included (the copy's bundles hold the new tools).
      stack = await startStack({
        command: 'exec npm start',
        cwd: repo.dir,
        env,
        timeoutMs: 540_000,
        logName: `tools-${kind}`,
      });
    }, 600_000);

    afterAll(async () => {
      await stack?.interrupt();
      repo?.remove();
      // A free port is a new Keycloak home each run: leave none behind.
      if (kind === 'keycloak' && asPort)
        rmSync(instanceDir(keycloakCacheDir(), asPort), { recursive: true, force: true });
    }, 60_000);

    /** `npm run token` from the copy, with the variables the banner's token command names. */
    async function token(args: string[] = []): Promise<string> {
      const r = await run('npm', ['run', '-s', 'token', '--', ...args], {
        cwd: repo.dir,
        env: { ...env, MCP_PUBLIC_URL: mcpUrl },
        timeout: 60_000,
      });
      expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      return r.stdout.trim();
    }
    const scopesOf = (t: string) => String(decodeJwtPayload(t).scope ?? '').split(' ');

    it('the build picked the files up: the copy is regenerated, this checkout is not touched', () => {
      expect(readFileSync(path.join(repo.dir, 'generated', 'tools.ts'), 'utf8')).toContain('tools/set_forecast_e2e.ts');
      const realm = JSON.parse(readFileSync(path.join(repo.dir, 'keycloak', 'realm-mcp.json'), 'utf8'));
      expect(realm.clientScopes.map((s: { name: string }) => s.name)).toEqual(
        expect.arrayContaining(['weather:write', 'weather:purge']),
      );
      expect(readFileSync(path.join(ROOT, 'generated', 'tools.ts'), 'utf8')).not.toContain('_e2e');
      expect(readdirSync(path.join(ROOT, 'tools')).filter((f) => f.includes('_e2e'))).toEqual([]);
    });

    it('the banner names the new scopes, the grant rule and the token command', () => {
      expect(stack.banner('Authorization server')).toContain(`(${kind})`);
      expect(stack.banner('Dev users')).toBe(
        'dev / dev (mcp:tools mcp:admin weather:write weather:purge), viewer / viewer (mcp:tools weather:write)',
      );
      expect(stack.banner('Access token')).toContain('--scope "mcp:tools mcp:admin weather:write weather:purge"');
    });

    it('the PRM advertises the declared scopes', async () => {
      const prm = await fetch(stack.banner('PRM'));
      expect(prm.status).toBe(200);
      const doc = (await prm.json()) as { scopes_supported: string[] };
      expect(doc.scopes_supported).toEqual(['mcp:tools', 'mcp:admin', 'weather:write', 'weather:purge']);
    });

    it('npm run token gives dev the new scopes; tools/list shows the tools; the calls work', async () => {
      const t = await token();
      expect(scopesOf(t)).toEqual(expect.arrayContaining(['mcp:tools', 'weather:write', 'weather:purge']));
      const list = await rpc(mcpUrl, t, 'tools/list', {});
      expect(list.status).toBe(200);
      const names = ((await list.json()) as { result: { tools: Array<{ name: string }> } }).result.tools.map(
        (x) => x.name,
      );
      expect(names).toEqual(expect.arrayContaining(['set_forecast_e2e', 'purge_forecasts_e2e', 'echo']));
      const call = await rpc(mcpUrl, t, 'tools/call', {
        name: 'set_forecast_e2e',
        arguments: { city: 'Oslo', forecast: 'rain' },
      });
      expect(call.status).toBe(200);
      const body = (await call.json()) as { result: { content: Array<{ text: string }> } };
      expect(body.result.content[0]!.text).toBe(`Oslo: rain by ${decodeJwtPayload(t).sub}`);
      const purge = await rpc(mcpUrl, t, 'tools/call', { name: 'purge_forecasts_e2e', arguments: {} });
      expect(purge.status).toBe(200);
      await purge.body?.cancel();
    });

    it('a token without the scope: 403 insufficient_scope naming it, and the tool is not listed', async () => {
      const narrow = await token(['--scope', 'mcp:tools']);
      expect(scopesOf(narrow)).not.toContain('weather:write');
      const denied = await rpc(mcpUrl, narrow, 'tools/call', {
        name: 'set_forecast_e2e',
        arguments: { city: 'Oslo', forecast: 'sun' },
      });
      expect(denied.status).toBe(403);
      await denied.body?.cancel();
      expect(readChallenge(denied)).toMatchObject({ error: 'insufficient_scope', scope: 'weather:write' });
      const list = await rpc(mcpUrl, narrow, 'tools/list', {});
      const names = ((await list.json()) as { result: { tools: Array<{ name: string }> } }).result.tools.map(
        (x) => x.name,
      );
      expect(names).not.toContain('set_forecast_e2e');
    });

    it('viewer gets weather:write but not the administrative weather:purge (the one grant rule)', async () => {
      const v = await token(['--user', 'viewer']);
      expect(scopesOf(v)).toContain('weather:write');
      expect(scopesOf(v)).not.toContain('weather:purge');
      expect(scopesOf(v)).not.toContain('mcp:admin');
      const ok = await rpc(mcpUrl, v, 'tools/call', {
        name: 'set_forecast_e2e',
        arguments: { city: 'A', forecast: 'B' },
      });
      expect(ok.status).toBe(200);
      await ok.body?.cancel();
      const denied = await rpc(mcpUrl, v, 'tools/call', { name: 'purge_forecasts_e2e', arguments: {} });
      expect(denied.status).toBe(403);
      await denied.body?.cancel();
      expect(readChallenge(denied)).toMatchObject({ error: 'insufficient_scope', scope: 'weather:purge' });
    });

    if (kind === 'keycloak') {
      it("Keycloak keeps its database in this AS_PORT's own home", () => {
        const home = instanceDir(keycloakCacheDir(), asPort);
        expect(existsSync(path.join(home, 'data', 'h2')), home).toBe(true);
        expect(readFileSync(path.join(home, 'data', 'import', 'realm-mcp.json'), 'utf8')).toContain('weather:purge');
      });
    }
  });
}

defineToolSuite('embedded', undefined);
defineToolSuite('keycloak', keycloakSkip);
