// `npm run dev` reloads Cedar policies (issue #20, point 6): the real `node local/start.ts --watch` in a copy of the
// repo, with POLICIES_DIR pointing at a directory of the copy. A forbid written while it runs takes effect without a
// restart (regenerate -> rebuild -> host reload); a policy that does not validate is reported and the policies in
// force stay as they were.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';
import { toolCallRequest } from '../../support/mcp-request.ts';
import { copyRepo, type RepoCopy } from '../../support/repo-copy.ts';
import { type StackProcess, startStack, userEnv } from '../../support/stack-process.ts';
import { freePort } from '../login/login-flow.ts';

let copy: RepoCopy;
let issuer: TestIssuer;
let stack: StackProcess;
let mcpUrl: string;
let token: string;
let policyDir: string;

/** What the stack printed: the banner on stdout, its progress lines ([start] …) on stderr. */
const output = () => stack.stdout() + stack.stderr();

/** Polls until `check` holds (the reload chain is asynchronous); fails with the stack's output otherwise. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen within ${ms} ms:\n${stack.stdout()}\n${stack.stderr()}`);
}

async function transfer(amount: number): Promise<string> {
  const call = toolCallRequest('transfer_demo', { amount, tenant: 'acme' }, { clientName: 'dev-reload' });
  const res = await fetch(mcpUrl, {
    method: 'POST',
    headers: { ...call.headers, authorization: `Bearer ${token}` },
    body: call.body,
  });
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  copy = copyRepo({ nodeModules: 'link', prefix: 'mcp-policy-dev-' });
  policyDir = path.join(copy.dir, 'policies', 'dev');
  mkdirSync(policyDir);
  copyFileSync(
    path.join(copy.dir, 'policies', 'examples', '00-permit-tools.cedar'),
    path.join(policyDir, '00-permit-tools.cedar'),
  );
  issuer = await startTestIssuer();
  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  stack = await startStack({
    command: 'exec node local/start.ts --watch',
    cwd: copy.dir,
    env: userEnv({ PORT: String(port), AUTH_ISSUER: issuer.issuer, POLICIES_DIR: 'policies/dev' }),
    timeoutMs: 240_000,
    logName: 'policy-dev-reload',
  });
  await eventually('the watcher start', () => output().includes('watching for changes'));
  token = await issuer.token({ audience: mcpUrl, sub: 'alice', claims: { tenant: 'acme' } });
}, 300_000);

afterAll(async () => {
  await stack?.interrupt();
  await issuer?.stop();
  copy?.remove();
});

describe('npm run dev reloads the policies', () => {
  it('a forbid written while the stack runs takes effect; a broken policy leaves it in force', async () => {
    expect(await transfer(500)).toContain('transferred 500 for acme');

    writeFileSync(
      path.join(policyDir, 'limit.cedar'),
      `@id("dev-limit")\n@reason("dev limit: at most 100")\nforbid (principal, action == Action::"transfer_demo", resource)\nwhen { context.args.amount > 100 };\n`,
    );
    await eventually('the new forbid', async () => (await transfer(500)).includes('dev limit: at most 100'));
    expect(output()).toMatch(/policies changed; regenerated/);
    expect(await transfer(50)).toContain('transferred 50 for acme');

    writeFileSync(path.join(policyDir, 'broken.cedar'), 'forbid (principal, action, resource) when { nope };\n');
    await eventually('the validation report', () => output().includes('policies not reloaded'));
    expect(await transfer(500)).toContain('dev limit: at most 100');
    expect(await transfer(50)).toContain('transferred 50 for acme');
  }, 240_000);
});
