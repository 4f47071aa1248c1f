// biome-ignore-all lint/suspicious/noExplicitAny: the test walks a free-form CloudFormation document
// template.yaml is the single source of truth: these tests keep the functions, the local host's routes, the
// cloud fronts (CloudFront behaviours, API Gateway resources), the tables and the IAM policies in step,
// and check that each function's esbuild settings produce a bundle that loads and answers.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yamlParse } from 'yaml-cfn';
import { BY_DAY_INDEX, ITEM_KEY_ATTRIBUTES } from '../../../lib/audit/sinks.ts';
import { loadConfig, loadOpsConfig } from '../../../lib/config.ts';
import { facadeTableSpec } from '../../../lib/facade/state-dynamodb.ts';
import { tableDefinitions } from '../../../lib/store/dynamodb-tables.ts';
import { taskTableSpec } from '../../../lib/tasks/dynamodb-store.ts';
import { METRIC } from '../../../lib/telemetry/index.ts';
import { type FunctionSpec, loadTemplate, matchRoute } from '../../../local/template.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
// SAM_TEMPLATE_UNDER_TEST lets a mutated copy be checked (to see these tests fail).
const TEMPLATE = process.env.SAM_TEMPLATE_UNDER_TEST ?? path.join(ROOT, 'template.yaml');
const doc = yamlParse(readFileSync(TEMPLATE, 'utf8')) as any;
const resources: Record<string, any> = doc.Resources;
const fns = loadTemplate(TEMPLATE);
const allServerlessFns = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function');
/** The task worker is invoked only by McpFunction (no URL, no route); every other function is served over HTTP. */
const WORKER = 'TaskWorkerFunction';
const serverlessFns = allServerlessFns.filter(([id]) => id !== WORKER);
const byLogicalId = (id: string): FunctionSpec => {
  const fn = fns.find((f) => f.logicalId === id);
  if (!fn) throw new Error(`no function ${id}`);
  return fn;
};
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
/** A list item `!If [Cond, item, !Ref AWS::NoValue]` as the item it is when Cond holds (the façade's parts). */
const unwrapIf = (v: any): any => (v?.['Fn::If'] ? v['Fn::If'][1] : v);

const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

/** Concrete paths a route covers: the path itself, and for a prefix route one path under it. */
function samplePaths(fn: FunctionSpec): Array<{ method: string; path: string; raw: string }> {
  return fn.routes.flatMap((r) => {
    const raw = `${r.method} ${r.path}${r.prefix ? '*' : ''}`;
    return r.prefix ? [{ method: r.method, path: `${r.path}mcp`, raw }] : [{ method: r.method, path: r.path, raw }];
  });
}

describe('template.yaml: functions', () => {
  it('declares the functions the local host serves, each from Metadata.Routes', () => {
    expect(fns.map((f) => f.logicalId).sort()).toEqual(['FacadeFunction', 'McpFunction', 'PrmFunction', 'SseFunction']);
    for (const [id, res] of serverlessFns) {
      const raw: string[] = res.Metadata.Routes;
      const fn = byLogicalId(id);
      expect(fn.routes.map((r) => `${r.method} ${r.path}${r.prefix ? '*' : ''}`)).toEqual(raw);
      // every route the local host serves resolves to the function whose Routes name it
      for (const s of samplePaths(fn)) expect(matchRoute(fns, s.method === 'ANY' ? 'POST' : s.method, s.path)).toBe(fn);
    }
  });

  it('routes the contract paths to the right function and nothing else', () => {
    const at = (m: string, p: string) => matchRoute(fns, m, p)?.logicalId;
    expect(at('POST', '/mcp')).toBe('McpFunction');
    expect(at('DELETE', '/mcp')).toBe('McpFunction');
    expect(at('GET', '/sse')).toBe('SseFunction');
    expect(at('POST', '/messages/')).toBe('SseFunction');
    expect(at('GET', '/.well-known/oauth-protected-resource')).toBe('PrmFunction');
    expect(at('GET', '/.well-known/oauth-protected-resource/mcp')).toBe('PrmFunction');
    expect(at('GET', '/.well-known/oauth-authorization-server')).toBe('FacadeFunction');
    expect(at('GET', '/.well-known/openid-configuration')).toBe('FacadeFunction');
    expect(at('POST', '/oauth/token')).toBe('FacadeFunction');
    expect(at('GET', '/oauth/authorize')).toBe('FacadeFunction');
    expect(at('POST', '/.well-known/oauth-protected-resource')).toBeUndefined();
    expect(at('GET', '/mcp/extra')).toBeUndefined();
    expect(at('GET', '/')).toBeUndefined();
  });

  it('every handler file exists and its esbuild entry point is that file', () => {
    for (const [id, res] of serverlessFns) {
      const fn = byLogicalId(id);
      expect(existsSync(path.join(ROOT, fn.entry)), fn.entry).toBe(true);
      expect(res.Properties.CodeUri).toBe('.');
      expect(res.Metadata.BuildMethod).toBe('esbuild');
      const bp = res.Metadata.BuildProperties;
      expect(bp.EntryPoints).toEqual([fn.entry]);
      expect(bp).toMatchObject({ Format: 'esm', OutExtension: ['.js=.mjs'], Minify: true, Sourcemap: true });
      expect(bp.Target).toMatch(/^(node2[2-9]|es20\d\d)$/);
      expect(bp.Banner.join('')).toContain('createRequire');
    }
  });

  it('every function has a RESPONSE_STREAM Function URL with auth in code (AuthType NONE)', () => {
    for (const [id, res] of serverlessFns) {
      expect(res.Properties.FunctionUrlConfig, id).toEqual({ AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' });
      expect(byLogicalId(id).streaming).toBe(true);
    }
  });

  it('McpFunction has the longest timeout, at most Lambda’s 900 s; globals run nodejs24.x on arm64 with tracing', () => {
    const mcp = byLogicalId('McpFunction');
    expect(mcp.timeoutSec).toBeLessThanOrEqual(900);
    for (const fn of fns) expect(fn.timeoutSec).toBeLessThanOrEqual(mcp.timeoutSec);
    expect(doc.Globals.Function).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Tracing: 'Active' });
  });

  it('every environment variable in Globals is one lib/config.ts reads (or the auth-profile part it calls)', () => {
    const configSource = ['lib/config.ts', 'lib/auth/profile-config.ts']
      .map((f) => readFileSync(path.join(ROOT, f), 'utf8'))
      .join('\n');
    const vars = Object.keys(doc.Globals.Function.Environment.Variables).filter((v) => v !== 'NODE_OPTIONS');
    expect(vars).toEqual(expect.arrayContaining(['AUTH_ISSUER', 'MCP_PUBLIC_URL', 'RESPONSE_MODE', 'STORE']));
    for (const v of vars) expect(configSource, v).toContain(`'${v}'`);
  });
});

describe('template.yaml: the Cedar engine layer', () => {
  const layer = resources.CedarLayer;
  const rootPkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const layerPkg = JSON.parse(readFileSync(path.join(ROOT, 'layers', 'cedar', 'package.json'), 'utf8'));
  const lockOf = (dir: string) =>
    JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).packages[
      'node_modules/@cedar-policy/cedar-wasm'
    ];

  it('CedarLayer is built by SAM for the functions’ runtime from layers/cedar', () => {
    expect(layer.Type).toBe('AWS::Serverless::LayerVersion');
    expect(layer.Properties.ContentUri).toBe('layers/cedar');
    expect(layer.Metadata.BuildMethod).toBe(doc.Globals.Function.Runtime);
    expect(layer.Properties.CompatibleRuntimes).toEqual([doc.Globals.Function.Runtime]);
    expect(layer.Properties.CompatibleArchitectures).toEqual(
      expect.arrayContaining(doc.Globals.Function.Architectures),
    );
  });

  it('pins the exact engine version the bundles were built against, with a lockfile of the same package', () => {
    const pinned = rootPkg.dependencies['@cedar-policy/cedar-wasm'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(layerPkg.dependencies).toEqual({ '@cedar-policy/cedar-wasm': pinned });
    expect(lockOf(path.join(ROOT, 'layers', 'cedar'))).toMatchObject({
      version: pinned,
      integrity: lockOf(ROOT).integrity,
    });
  });

  it('is attached to exactly the functions whose bundles keep the engine external', () => {
    for (const [id, res] of serverlessFns) {
      const external: string[] = res.Metadata.BuildProperties.External ?? [];
      const layers = (res.Properties.Layers ?? []).map((l: any) => l.Ref);
      expect(layers.includes('CedarLayer'), id).toBe(external.includes('@cedar-policy/cedar-wasm'));
    }
    expect(resources.McpFunction.Properties.Layers).toEqual([{ Ref: 'CedarLayer' }]);
    expect(resources.SseFunction.Properties.Layers).toEqual([{ Ref: 'CedarLayer' }]);
  });

  it('every script that stages a sam build copies layers/, and sam-check.sh runs the engine check', () => {
    for (const script of ['sam-check.sh', 'sam-local.sh', 'deploy-localstack.sh']) {
      expect(readFileSync(path.join(ROOT, 'scripts', script), 'utf8'), script).toContain('"$ROOT/layers"');
    }
    expect(readFileSync(path.join(ROOT, 'scripts', 'sam-check.sh'), 'utf8')).toMatch(
      /node "\$ROOT\/scripts\/sam-engine-check.ts" "\$STAGE\/build"/,
    );
  });
});

describe('template.yaml: CloudFront front', () => {
  const dist = resources.Distribution;
  const cfg = dist.Properties.DistributionConfig;
  /** origin id -> function logical id, from DomainName: Select [2, Split ['/', GetAtt <Fn>Url.FunctionUrl]] */
  const originFn: Record<string, string> = Object.fromEntries(
    cfg.Origins.map(unwrapIf).map((o: any) => {
      const getAtt = o.DomainName['Fn::Select'][1]['Fn::Split'][1]['Fn::GetAtt'];
      const target = (Array.isArray(getAtt) ? getAtt.join('.') : getAtt) as string;
      expect(target).toMatch(/^\w+Url\.FunctionUrl$/);
      return [o.Id, target.replace(/Url\.FunctionUrl$/, '')];
    }),
  );
  const behaviours: any[] = cfg.CacheBehaviors.map(unwrapIf);
  const globRe = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  /** CloudFront evaluates behaviours in order; the first match wins, else the default. */
  const behaviourFor = (p: string) => behaviours.find((b) => globRe(b.PathPattern).test(p)) ?? cfg.DefaultCacheBehavior;

  it('is optional (Front=CloudFront) and uses the custom domain only with its certificate', () => {
    expect(dist.Condition).toBe('UseCloudFront');
    expect(doc.Conditions.CloudFrontWithDomain['Fn::And']).toEqual(
      expect.arrayContaining([{ Condition: 'HasDomain' }, { Condition: 'HasCertificate' }]),
    );
    expect(cfg.Aliases['Fn::If'][0]).toBe('CloudFrontWithDomain');
  });

  it('sends every template route to its function’s Function URL, with the route’s methods allowed', () => {
    for (const fn of fns) {
      for (const s of samplePaths(fn)) {
        const b = behaviourFor(s.path);
        expect(originFn[b.TargetOriginId], `${s.raw} -> ${b.PathPattern ?? 'default'}`).toBe(fn.logicalId);
        const needed = s.method === 'ANY' ? ALL_METHODS : [s.method];
        expect(b.AllowedMethods).toEqual(expect.arrayContaining(needed));
      }
    }
  });

  it('has no behaviour that reaches a function for paths its Routes do not list', () => {
    for (const b of behaviours) {
      const fnId = originFn[b.TargetOriginId];
      const samples = [b.PathPattern.replace(/\*/g, ''), b.PathPattern.replace(/\*/g, '/mcp')];
      const methods = (b.AllowedMethods as string[]).filter((m) => m !== 'HEAD');
      for (const p of samples) {
        // at least one allowed method of the behaviour is a route of the same function
        const served = methods.some((m) => matchRoute(fns, m, p)?.logicalId === fnId);
        if (p === '/messages') expect(served).toBe(true);
        else if (!served) expect(matchRoute(fns, 'GET', p), `${b.PathPattern}: ${p}`).toBeUndefined();
      }
      expect(
        methods.some((m) => matchRoute(fns, m, samples[0]!)?.logicalId === fnId),
        b.PathPattern,
      ).toBe(true);
    }
  });

  it('disables caching and forwards all viewer headers except Host on every behaviour', () => {
    for (const b of [...behaviours, cfg.DefaultCacheBehavior]) {
      expect(b.CachePolicyId).toBe(CACHING_DISABLED);
      expect(b.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST);
      expect(b.Compress).toBe(false);
    }
    for (const o of cfg.Origins.map(unwrapIf)) expect(o.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
  });
});

describe('template.yaml: API Gateway REST front', () => {
  const methods = ofType('AWS::ApiGateway::Method');
  function resourcePath(ref: any): string {
    if (ref['Fn::GetAtt']) return '';
    const res = resources[ref.Ref];
    return `${resourcePath(res.Properties.ParentId)}/${res.Properties.PathPart}`;
  }
  function integrationFn(uri: any): string {
    // Uri: !If [ApiStreams, !Sub ...response-streaming-invocations, !Sub .../invocations]
    const [cond, streaming, buffered] = uri['Fn::If'];
    expect(cond).toBe('ApiStreams');
    expect(streaming['Fn::Sub']).toMatch(
      /lambda:path\/2021-11-15\/functions\/\$\{(\w+)\.Arn\}\/response-streaming-invocations$/,
    );
    expect(buffered['Fn::Sub']).toMatch(/lambda:path\/2015-03-31\/functions\/\$\{(\w+)\.Arn\}\/invocations$/);
    const a = /\$\{(\w+)\.Arn\}/.exec(streaming['Fn::Sub'])![1]!;
    expect(/\$\{(\w+)\.Arn\}/.exec(buffered['Fn::Sub'])![1]).toBe(a);
    return a;
  }
  const table = methods.map(([id, m]) => {
    const p = resourcePath({ Ref: m.Properties.ResourceId.Ref });
    return {
      id,
      method: m.Properties.HttpMethod as string,
      path: p.replace(/\/\{proxy\+\}$/, '/'),
      prefix: p.endsWith('/{proxy+}'),
      fn: integrationFn(m.Properties.Integration.Uri),
      props: m.Properties,
    };
  });

  it('every method streams through a Lambda proxy integration and is part of the optional front', () => {
    expect(table.length).toBeGreaterThan(0);
    for (const t of table) {
      expect(resources[t.id].Condition).toBe('UseApiGateway');
      expect(t.props.Integration).toMatchObject({
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        ResponseTransferMode: { Ref: 'ApiResponseTransferMode' },
      });
    }
    expect(doc.Parameters.ApiResponseTransferMode).toMatchObject({
      Default: 'STREAM',
      AllowedValues: ['STREAM', 'BUFFERED'],
    });
  });

  it('every method reaches the function whose Routes serve that path, and every route has a method', () => {
    for (const t of table) {
      const sample = t.prefix ? `${t.path}mcp` : t.path;
      expect(matchRoute(fns, t.method, sample)?.logicalId, `${t.method} ${sample}`).toBe(t.fn);
    }
    // The façade is not routed through API Gateway: a template Rule refuses RegistrationFacade=true with it.
    expect(JSON.stringify(doc.Rules.FacadeNeedsClientAndSecret.Assertions)).toContain('ApiGateway');
    for (const fn of fns.filter((f) => f.logicalId !== 'FacadeFunction')) {
      for (const r of fn.routes) {
        // REST APIs ignore a trailing slash: /messages serves /messages/ too.
        const p = r.prefix ? r.path : r.path.replace(/(.)\/$/, '$1');
        const hit = table.filter(
          (t) =>
            t.fn === fn.logicalId &&
            t.path === p &&
            t.prefix === r.prefix &&
            (r.method === 'ANY' || t.method === r.method),
        );
        expect(hit.length, `${r.method} ${r.path}`).toBeGreaterThan(0);
      }
    }
  });

  it('asks for a bearer token on MCP and SSE methods (except CORS preflight) and never on the PRM', () => {
    for (const t of table) {
      const protectedRoute = t.fn !== 'PrmFunction' && t.method !== 'OPTIONS';
      if (protectedRoute) {
        expect(t.props.AuthorizationType, t.id).toEqual({ 'Fn::If': ['ApiWithAuthorizer', 'CUSTOM', 'NONE'] });
      } else {
        expect(t.props.AuthorizationType, t.id).toBe('NONE');
      }
    }
    expect(resources.BearerPresenceAuthorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
    });
  });

  it('answers the gateway’s own 401 with a WWW-Authenticate challenge naming the PRM', () => {
    const gr = resources.UnauthorizedGatewayResponse.Properties;
    expect(gr).toMatchObject({ ResponseType: 'UNAUTHORIZED', StatusCode: '401' });
    const header = gr.ResponseParameters['gatewayresponse.header.WWW-Authenticate']['Fn::Sub'][0] as string;
    expect(header.trim()).toMatch(
      /^'Bearer resource_metadata="\$\{Origin\}\/\.well-known\/oauth-protected-resource\/mcp", scope="\$\{RequiredScopes\}"'$/,
    );
    expect(gr.ResponseParameters['gatewayresponse.header.Access-Control-Expose-Headers']).toBe("'WWW-Authenticate'");
  });

  it('maps a custom domain at the root (stage prefixes would break the well-known paths)', () => {
    expect(resources.ApiBasePathMapping.Properties.BasePath).toBeUndefined();
    expect(resources.ApiBasePathMapping.Condition).toBe('ApiWithDomain');
  });
});

describe('template.yaml: tables and IAM', () => {
  const tables = ofType('AWS::DynamoDB::Table');
  const cfg = loadConfig({ AUTH_ISSUER: 'https://issuer.example/realms/mcp' });

  it('every table is on-demand with TTL', () => {
    expect(tables.map(([id]) => id).sort()).toEqual([
      'AuditTable',
      'EventsTable',
      'FacadeTable',
      'MessagesTable',
      'SessionsTable',
      'TasksTable',
    ]);
    for (const [id, t] of tables) {
      expect(t.Properties.BillingMode, id).toBe('PAY_PER_REQUEST');
      expect(t.Properties.TimeToLiveSpecification.Enabled, id).toBe(true);
    }
  });

  it('store tables match lib/store tableDefinitions() and the env names them', () => {
    const env = doc.Globals.Function.Environment.Variables;
    const envFor = { sessions: 'SESSIONS_TABLE', events: 'EVENTS_TABLE', messages: 'MESSAGES_TABLE' } as const;
    for (const def of tableDefinitions(cfg)) {
      const logicalId = env[envFor[def.purpose]].Ref as string;
      const t = resources[logicalId].Properties;
      expect(t.KeySchema, logicalId).toEqual(def.KeySchema);
      expect(t.AttributeDefinitions, logicalId).toEqual(def.AttributeDefinitions);
      expect(t.TimeToLiveSpecification.AttributeName).toBe(def.ttlAttribute);
    }
  });

  it('the façade table matches lib/facade facadeTableSpec() and exists only with the façade', () => {
    const t = resources.FacadeTable;
    const spec = facadeTableSpec('x');
    expect(t.Condition).toBe('UseFacade');
    expect(t.Properties.KeySchema).toEqual(spec.KeySchema);
    expect(t.Properties.AttributeDefinitions).toEqual(spec.AttributeDefinitions);
    expect(t.Properties.TimeToLiveSpecification.AttributeName).toBe(spec.ttlAttribute);
    expect(resources.FacadeFunction.Condition).toBe('UseFacade');
    expect(resources.FacadeFunction.Properties.Environment.Variables.FACADE_TABLE).toEqual({ Ref: 'FacadeTable' });
  });

  it('the audit table matches lib/audit item keys, with the by-day index, and is retained', () => {
    const t = resources[doc.Globals.Function.Environment.Variables.AUDIT_TABLE.Ref];
    expect(t.DeletionPolicy).toBe('Retain');
    const p = t.Properties;
    expect(p.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(p.GlobalSecondaryIndexes.map((g: any) => g.IndexName)).toEqual([BY_DAY_INDEX]);
    for (const a of p.AttributeDefinitions) expect(ITEM_KEY_ATTRIBUTES).toContain(a.AttributeName);
    expect(ITEM_KEY_ATTRIBUTES).toContain(p.TimeToLiveSpecification.AttributeName);
  });

  it('function policies are SAM DynamoDB policy templates on named tables; PRM gets none', () => {
    const allowed = new Set(['DynamoDBCrudPolicy', 'DynamoDBWritePolicy', 'DynamoDBReadPolicy']);
    for (const [id, res] of allServerlessFns) {
      for (const entry of res.Properties.Policies ?? []) {
        // The task worker's one managed policy: checkpoint/read its own durable execution, and basic logging.
        if (id === WORKER && typeof entry === 'object' && entry['Fn::Sub']) {
          expect(entry['Fn::Sub']).toBe(
            `arn:${'$'}{AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy`,
          );
          continue;
        }
        // McpFunction's one statement: start the worker through its alias, and stop/read/answer its executions.
        if (id === 'McpFunction' && entry.Statement) {
          expect(entry.Statement).toEqual([
            { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { Ref: 'TaskWorkerFunction.Alias' } },
            {
              Effect: 'Allow',
              Action: [
                'lambda:GetDurableExecution',
                'lambda:StopDurableExecution',
                'lambda:SendDurableExecutionCallbackSuccess',
                'lambda:SendDurableExecutionCallbackFailure',
              ],
              Resource: { 'Fn::Sub': `${'$'}{TaskWorkerFunction.Arn}:*` },
            },
          ]);
          continue;
        }
        expect(typeof entry, `${id}: inline or managed policy names are not allowed`).toBe('object');
        // A conditional policy (!If [cond, policy, AWS::NoValue]) is checked as the policy it adds.
        const conditional = entry['Fn::If'];
        if (conditional) expect(conditional[2], id).toEqual({ Ref: 'AWS::NoValue' });
        const policy = conditional ? conditional[1] : entry;
        const [name, args] = Object.entries(policy)[0] as [string, any];
        // The façade alone reads one secret: its signing key and upstream client secret.
        if (id === 'FacadeFunction' && name === 'AWSSecretsManagerGetSecretValuePolicy') {
          expect(args).toEqual({ SecretArn: { Ref: 'FacadeSecretArn' } });
          continue;
        }
        // The functions that seal input-required state read one secret: the requestState keys (when set).
        if (['McpFunction', 'SseFunction'].includes(id) && name === 'AWSSecretsManagerGetSecretValuePolicy') {
          expect(conditional?.[0], id).toBe('HasRequestStateKeys');
          expect(args).toEqual({ SecretArn: { Ref: 'RequestStateKeysSecretArn' } });
          continue;
        }
        expect(allowed.has(name), `${id}: ${name}`).toBe(true);
        expect(resources[args.TableName.Ref]?.Type, `${id}: ${name}`).toBe('AWS::DynamoDB::Table');
      }
    }
    expect(resources.PrmFunction.Properties.Policies).toBeUndefined();
    // the audit table is write-only for the functions
    for (const id of ['McpFunction', 'SseFunction']) {
      const onAudit = resources[id].Properties.Policies.filter(
        (p: any) => (Object.values(p)[0] as any)?.TableName?.Ref === 'AuditTable',
      );
      expect(onAudit.map((p: any) => Object.keys(p)[0])).toEqual(['DynamoDBWritePolicy']);
    }
  });

  it('the task worker is a durable function behind a published alias, with DurableConfig from parameters', () => {
    const w = resources[WORKER].Properties;
    expect(w.AutoPublishAlias).toBe('live');
    expect(w.DurableConfig).toEqual({
      ExecutionTimeout: { Ref: 'TaskExecutionTimeout' },
      RetentionPeriodInDays: { Ref: 'TaskRetentionDays' },
    });
    expect(w.FunctionUrlConfig).toBeUndefined();
    expect(resources[WORKER].Metadata.Routes).toBeUndefined();
    expect(doc.Parameters.TaskExecutionTimeout).toMatchObject({ MinValue: 1, MaxValue: 31622400 });
    expect(doc.Parameters.TaskRetentionDays).toMatchObject({ MinValue: 1, MaxValue: 90, Default: 14 });
    const mcpEnv = resources.McpFunction.Properties.Environment.Variables;
    expect(mcpEnv.TASK_WORKER_ARN).toEqual({ Ref: 'TaskWorkerFunction.Alias' });
    expect(mcpEnv.TASKS).toBe('lambda');
    expect(mcpEnv.TASKS_TABLE).toEqual({ Ref: 'TasksTable' });
    expect(w.Environment.Variables.TASK_MAX_RUN_S).toEqual({ Ref: 'TaskExecutionTimeout' });
    // Tables: its tasks, audit (write only, for the chained task records), messages (status events for listeners).
    const onTables = w.Policies.filter((p: any) => (Object.values(p)[0] as any)?.TableName?.Ref).map(
      (p: any) => `${Object.keys(p)[0]}:${(Object.values(p)[0] as any).TableName.Ref}`,
    );
    expect(onTables.sort()).toEqual([
      'DynamoDBCrudPolicy:MessagesTable',
      'DynamoDBCrudPolicy:TasksTable',
      'DynamoDBWritePolicy:AuditTable',
    ]);
    const spec = taskTableSpec('x');
    expect(resources.TasksTable.Properties.KeySchema).toEqual(spec.KeySchema);
    expect(resources.TasksTable.Properties.AttributeDefinitions).toEqual(spec.AttributeDefinitions);
    expect(resources.TasksTable.Properties.TimeToLiveSpecification.AttributeName).toBe(spec.ttlAttribute);
  });

  it('no statement anywhere grants a wildcard action', () => {
    const actions: string[] = [];
    const walk = (v: any) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'Action') actions.push(...(Array.isArray(x) ? x : [x]).map(String));
          walk(x);
        }
      }
    };
    walk(resources);
    expect(actions.length).toBeGreaterThan(0);
    for (const a of actions) expect(a, a).not.toMatch(/(^\*$|:\*$)/);
  });

  it('every function log group has a retention, and every function has error and throttle alarms', () => {
    for (const [id] of [...allServerlessFns, ['BearerPresenceAuthorizerFunction']]) {
      const lg = ofType('AWS::Logs::LogGroup').find(
        ([, r]) => r.Properties.LogGroupName['Fn::Sub'] === `/aws/lambda/\${${id}}`,
      );
      expect(lg, id).toBeDefined();
      expect(lg![1].Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
    }
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const [id] of allServerlessFns) {
      for (const metric of ['Errors', 'Throttles']) {
        expect(
          alarms.some((a) => a.MetricName === metric && a.Dimensions[0].Value.Ref === id),
          `${id} ${metric}`,
        ).toBe(true);
      }
    }
  });
});

describe('template.yaml: bundles built with the template’s esbuild settings', () => {
  let out: string;
  const saved = { ...process.env };

  /** The esbuild options SAM's NodejsNpmEsbuildBuilder derives from BuildProperties (plus its fixed ones). */
  function samOptions(bp: any, outdir: string): esbuild.BuildOptions {
    const banner = Object.fromEntries(
      (bp.Banner as string[]).map((b) => [b.slice(0, b.indexOf('=')), b.slice(b.indexOf('=') + 1)]),
    );
    const outExtension = Object.fromEntries((bp.OutExtension as string[]).map((b) => b.split('=') as [string, string]));
    return {
      entryPoints: (bp.EntryPoints as string[]).map((e) => path.join(ROOT, e)),
      bundle: true,
      platform: 'node',
      outdir,
      format: bp.Format,
      target: bp.Target,
      minify: bp.Minify,
      sourcemap: bp.Sourcemap,
      banner,
      outExtension,
      logLevel: 'silent',
    };
  }

  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'sam-bundles-'));
    for (const [id, res] of serverlessFns) {
      await esbuild.build(samOptions(res.Metadata.BuildProperties, path.join(out, id)));
    }
    // what events/env.json gives `sam local invoke`
    const env = JSON.parse(readFileSync(path.join(ROOT, 'events', 'env.json'), 'utf8')).Parameters;
    Object.assign(process.env, env, { AUDIT_SINK: 'off' });
  }, 60_000);
  afterAll(() => {
    process.env = saved;
    rmSync(out, { recursive: true, force: true });
  });

  const load = async (id: string) => {
    const name = byLogicalId(id).name;
    const file = path.join(out, id, `${name}.mjs`);
    expect(existsSync(file), file).toBe(true);
    return (await import(pathToFileURL(file).href)).handler as (e: unknown, c: unknown) => Promise<any>;
  };
  const ctx = {
    awsRequestId: 'test',
    functionName: 'f',
    functionVersion: '$LATEST',
    getRemainingTimeInMillis: () => 10_000,
  };
  const event = (f: string) => JSON.parse(readFileSync(path.join(ROOT, 'events', f), 'utf8'));

  it('PrmFunction (buffered, as under sam local) answers events/prm-get.json with the PRM', async () => {
    const handler = await load('PrmFunction');
    const res = await handler(event('prm-get.json'), ctx);
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.isBase64Encoded ? Buffer.from(res.body, 'base64').toString() : res.body);
    expect(body.resource).toBe(process.env.MCP_PUBLIC_URL);
    expect(body.authorization_servers).toEqual([process.env.AUTH_ISSUER]);
  });

  it('PrmFunction answers the REST (payload 1.0) event with multiValueHeaders', async () => {
    const handler = await load('PrmFunction');
    const res = await handler(event('rest-prm-get.json'), ctx);
    expect(res.statusCode).toBe(200);
    expect(res.multiValueHeaders).toBeDefined();
  });

  it('McpFunction answers events/mcp-unauthenticated.json with 401 and the PRM challenge', async () => {
    const handler = await load('McpFunction');
    const res = await handler(event('mcp-unauthenticated.json'), ctx);
    expect(res.statusCode).toBe(401);
    const headers = Object.fromEntries(Object.entries(res.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    expect(headers['www-authenticate']).toContain(
      'resource_metadata="http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('SseFunction bundle loads and exports a handler', async () => {
    expect(typeof (await load('SseFunction'))).toBe('function');
  });

  it('FacadeFunction (buffered) is inert without FACADE_UPSTREAM_ISSUER: its metadata path answers 404', async () => {
    const handler = await load('FacadeFunction');
    const ev = event('prm-get.json');
    ev.rawPath = '/.well-known/oauth-authorization-server';
    ev.requestContext.http.path = ev.rawPath;
    const res = await handler(ev, ctx);
    expect(res.statusCode).toBe(404);
  });
});

describe('template.yaml: operational logs and metrics', () => {
  const env = doc.Globals.Function.Environment.Variables;
  const params = doc.Parameters;
  const alarms = Object.fromEntries(ofType('AWS::CloudWatch::Alarm').map(([id, r]) => [id, r.Properties]));
  const serviceDimension = [{ Name: 'service', Value: { Ref: 'ResourceName' } }];

  it('wires LOG_LEVEL, the sample rate, the service name and the metrics namespace from parameters', () => {
    expect(env).toMatchObject({
      LOG_LEVEL: { Ref: 'LogLevel' },
      POWERTOOLS_LOGGER_SAMPLE_RATE: { Ref: 'LogSampleRate' },
      RESOURCE_NAME: { Ref: 'ResourceName' },
      POWERTOOLS_SERVICE_NAME: { Ref: 'ResourceName' }, // one name: audit `service`, log `service`, metric dimension
      POWERTOOLS_METRICS_NAMESPACE: { Ref: 'MetricsNamespace' },
    });
    expect(params.LogLevel.AllowedValues).toEqual(['debug', 'info', 'warn', 'error']);
  });

  it('the parameters’ defaults are what lib/config defaults to, and values their patterns allow pass loadOpsConfig', () => {
    const defaults = loadOpsConfig({
      LOG_LEVEL: params.LogLevel.Default,
      POWERTOOLS_LOGGER_SAMPLE_RATE: params.LogSampleRate.Default,
      POWERTOOLS_SERVICE_NAME: params.ResourceName.Default,
      POWERTOOLS_METRICS_NAMESPACE: params.MetricsNamespace.Default,
    });
    expect(defaults).toEqual(loadOpsConfig({}));
    const allowed = (param: string, value: string) => new RegExp(params[param].AllowedPattern).test(value);
    for (const rate of ['0', '0.05', '1', '1.0']) {
      expect(allowed('LogSampleRate', rate), rate).toBe(true);
      expect(loadOpsConfig({ POWERTOOLS_LOGGER_SAMPLE_RATE: rate }).logSampleRate).toBe(Number(rate));
    }
    for (const rate of ['1.5', '-1', 'half', '']) expect(allowed('LogSampleRate', rate), rate).toBe(false);
    for (const ns of ['McpLambdaStack', 'Acme/MCP prod', 'a.b-c_d#e:f']) {
      expect(allowed('MetricsNamespace', ns), ns).toBe(true);
      expect(loadOpsConfig({ POWERTOOLS_METRICS_NAMESPACE: ns }).metricsNamespace).toBe(ns);
    }
    // A quote would break the dashboard's SEARCH expressions, so neither parameter admits one.
    for (const p of ['MetricsNamespace', 'ResourceName']) expect(allowed(p, 'a"b'), p).toBe(false);
    expect(allowed('ResourceName', 'Acme MCP server')).toBe(true);
  });

  it('alarms on the per-service ToolErrors, Unauthorized and Forbidden sums, with parameter thresholds', () => {
    const expected: Record<string, [string, string]> = {
      ToolErrorsAlarm: [METRIC.toolErrors, 'ToolErrorsAlarmThreshold'],
      UnauthorizedSpikeAlarm: [METRIC.unauthorized, 'UnauthorizedAlarmThreshold'],
      ForbiddenSpikeAlarm: [METRIC.forbidden, 'ForbiddenAlarmThreshold'],
    };
    for (const [id, [metric, threshold]] of Object.entries(expected)) {
      expect(alarms[id], id).toMatchObject({
        Namespace: { Ref: 'MetricsNamespace' },
        MetricName: metric,
        Dimensions: serviceDimension,
        Statistic: 'Sum',
        Threshold: { Ref: threshold },
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(params[threshold].Type).toBe('Number');
      expect(alarms[id].AlarmActions['Fn::If'][0]).toBe('HasAlarmTopic');
    }
  });

  it('the dashboard body is valid JSON for any allowed names and charts every metric (ToolDuration at p99)', () => {
    const dash = resources.OperationsDashboard;
    expect(dash.Type).toBe('AWS::CloudWatch::Dashboard');
    const body: string = dash.Properties.DashboardBody['Fn::Sub'];
    const refs = [...body.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const ref of new Set(refs)) {
      const [name, attr] = ref.split('.');
      const known =
        ref.startsWith('AWS::') ||
        name! in params ||
        (attr === 'Arn' && resources[name!]?.Type === 'AWS::CloudWatch::Alarm');
      expect(known, ref).toBe(true);
    }
    const substituted = body.replace(/\$\{([^}]+)\}/g, (_, ref: string) =>
      ref === 'MetricsNamespace' ? 'Acme/MCP prod' : ref === 'ResourceName' ? 'Acme MCP' : `sub-${ref}`,
    );
    const widgets: any[] = JSON.parse(substituted).widgets;
    const charted = new Map<string, Set<string>>();
    const note = (metric: string, stat: string) => charted.set(metric, (charted.get(metric) ?? new Set()).add(stat));
    for (const w of widgets.filter((x) => x.type === 'metric')) {
      for (const row of w.properties.metrics) {
        const expr = row[0]?.expression as string | undefined;
        if (expr) {
          const m =
            /^SEARCH\('\{"Acme\/MCP prod",service,tool\} MetricName="(\w+)" service="Acme MCP"', '(\w+)', 300\)$/.exec(
              expr,
            );
          expect(m, expr).not.toBeNull();
          note(m![1]!, m![2]!);
        } else {
          expect(row.slice(0, 4)).toEqual(['Acme/MCP prod', row[1], 'service', 'Acme MCP']);
          note(row[1], w.properties.stat);
        }
      }
    }
    expect([...charted.keys()].sort()).toEqual(Object.values(METRIC).sort());
    expect([...charted.get(METRIC.toolDuration)!]).toEqual(['p99']);
    expect(widgets.find((w) => w.type === 'alarm').properties.alarms).toHaveLength(3);
  });
});

describe('events/ and the SAM scripts', () => {
  const declared = Object.keys(doc.Globals.Function.Environment.Variables);

  it('events/env.json only overrides variables the template declares (sam local ignores the rest)', () => {
    const env = JSON.parse(readFileSync(path.join(ROOT, 'events', 'env.json'), 'utf8'));
    for (const k of Object.keys(env.Parameters)) expect(declared, k).toContain(k);
    expect(env.Parameters.RESPONSE_MODE).toBe('buffered');
  });

  for (const script of ['sam-check.sh', 'sam-local.sh', 'deploy-localstack.sh']) {
    it(`scripts/${script} parses, and every parameter it overrides exists in template.yaml`, () => {
      const file = path.join(ROOT, 'scripts', script);
      const r = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('set -euo pipefail');
      // --build-in-source would run `npm install --omit=dev` in the repo and strip the dev dependencies
      const commands = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
      expect(commands.join('\n')).not.toContain('--build-in-source');
      for (const m of text.matchAll(/"([A-Z][A-Za-z]+)=[^"]*"/g)) {
        if (/^[A-Z_]+$/.test(m[1]!)) continue;
        expect(Object.keys(doc.Parameters), `${script}: ${m[1]}`).toContain(m[1]);
      }
    });
  }

  it('deploy-localstack.sh builds with sam, deploys to the compose LocalStack port, and sets the public URL', () => {
    const text = readFileSync(path.join(ROOT, 'scripts', 'deploy-localstack.sh'), 'utf8');
    const compose = yamlParse(readFileSync(path.join(ROOT, 'local', 'compose.yaml'), 'utf8')) as any;
    const ports: string[] = compose.services.localstack.ports.map(String);
    expect(ports.some((p) => p.endsWith(':4566'))).toBe(true);
    expect(text).toMatch(/LOCALSTACK_ENDPOINT:-http:\/\/[\w.]+:4566/);
    expect(text).toContain('sam build --template');
    expect(text).toMatch(/deploy --template-file "\$BUILD\/template.yaml"/);
    expect(text).toContain('--capabilities CAPABILITY_IAM');
    expect(text).toContain('"Front=None"');
    expect(text).toMatch(/deploy "\$ORIGIN"/);
  });
});

describe('template.yaml: the requestState keys', () => {
  const text = readFileSync(TEMPLATE, 'utf8');
  const sealing = ['McpFunction', 'SseFunction'];

  it('never resolve the secret into an environment (lambda:GetFunctionConfiguration would show it)', () => {
    expect(text).not.toContain('resolve:secretsmanager');
    expect(doc.Globals.Function.Environment.Variables.REQUEST_STATE_KEYS).toBeUndefined();
    for (const [id, res] of serverlessFns)
      expect(res.Properties.Environment?.Variables?.REQUEST_STATE_KEYS, id).toBeUndefined();
  });

  it('the functions that seal get the secret ARN (read at runtime) and GetSecretValue on that ARN only', () => {
    expect(doc.Parameters.RequestStateKeysSecretArn).toMatchObject({ Type: 'String', Default: '' });
    const pattern = new RegExp(doc.Parameters.RequestStateKeysSecretArn.AllowedPattern);
    expect(pattern.test('')).toBe(true);
    expect(pattern.test('arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-request-state-keys-AbCdEf')).toBe(
      true,
    );
    expect(pattern.test('mcp-request-state-keys')).toBe(false);
    expect(doc.Conditions.HasRequestStateKeys).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'RequestStateKeysSecretArn' }, ''] }],
    });
    expect(readFileSync(path.join(ROOT, 'lib/config.ts'), 'utf8')).toContain("'REQUEST_STATE_KEYS_SECRET_ARN'");
    for (const [id, res] of serverlessFns) {
      const arn = res.Properties.Environment?.Variables?.REQUEST_STATE_KEYS_SECRET_ARN;
      const grants = (res.Properties.Policies ?? []).filter(
        (p: any) =>
          p['Fn::If']?.[1]?.AWSSecretsManagerGetSecretValuePolicy?.SecretArn?.Ref === 'RequestStateKeysSecretArn',
      );
      if (sealing.includes(id)) {
        expect(arn, id).toEqual({
          'Fn::If': ['HasRequestStateKeys', { Ref: 'RequestStateKeysSecretArn' }, { Ref: 'AWS::NoValue' }],
        });
        expect(grants, id).toEqual([
          {
            'Fn::If': [
              'HasRequestStateKeys',
              { AWSSecretsManagerGetSecretValuePolicy: { SecretArn: { Ref: 'RequestStateKeysSecretArn' } } },
              { Ref: 'AWS::NoValue' },
            ],
          },
        ]);
      } else {
        expect(arn, id).toBeUndefined();
        expect(grants, id).toEqual([]);
      }
    }
  });
});
