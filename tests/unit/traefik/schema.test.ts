import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { yamlParse } from 'yaml-cfn';
import { loadTraefikConfig, renderTraefikConfig } from '../../../local/traefik.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
// SchemaStore's Traefik schemas, carried in the repo (traefik/schemas/README.md): the tests need nothing outside it.
const schemaDir = path.join(repoRoot, 'traefik', 'schemas');
const traefikDir = path.join(repoRoot, 'traefik');

// ajv's main entry (Ajv, also its default export) is the draft-07 validator, which is what the SchemaStore schemas use.
const ajv = new Ajv({ strict: false, allErrors: true });
const validateStatic = ajv.compile(JSON.parse(readFileSync(path.join(schemaDir, 'traefik-v3.json'), 'utf8')));
const validateDynamic = ajv.compile(
  JSON.parse(readFileSync(path.join(schemaDir, 'traefik-v3-file-provider.json'), 'utf8')),
);

function problems(validate: ValidateFunction, doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} (schema ${e.schemaPath})`);
}

const dynamicFiles = readdirSync(path.join(traefikDir, 'dynamic')).filter((f) => /\.ya?ml$/.test(f));

describe('traefik config validates against the SchemaStore schemas', () => {
  it('uses the schemas the repo carries, with their source and licence noted', () => {
    expect(path.relative(repoRoot, schemaDir)).toBe(path.join('traefik', 'schemas'));
    const readme = readFileSync(path.join(schemaDir, 'README.md'), 'utf8');
    expect(readme).toContain('SchemaStore');
    expect(readme).toContain('Apache License 2.0');
    expect(readFileSync(path.join(schemaDir, 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  it('has dynamic files to check', () => {
    expect(dynamicFiles).toEqual(expect.arrayContaining(['mcp.yml', 'auth.yml', 'tls.yml']));
  });

  it('traefik/traefik.yml is a valid static config', () => {
    const doc = yamlParse(readFileSync(path.join(traefikDir, 'traefik.yml'), 'utf8'));
    expect(problems(validateStatic, doc)).toEqual([]);
  });

  it.each(dynamicFiles)('traefik/dynamic/%s is a valid file-provider config', (file) => {
    const doc = yamlParse(readFileSync(path.join(traefikDir, 'dynamic', file), 'utf8'));
    expect(problems(validateDynamic, doc)).toEqual([]);
  });

  const composeFiles = readdirSync(path.join(traefikDir, 'compose')).filter((f) => /\.ya?ml$/.test(f));
  it('has compose file-provider files to check', () => {
    expect(composeFiles).toEqual(expect.arrayContaining(['tls.yml', 'localhost.yml']));
  });

  it.each(composeFiles)(
    "traefik/compose/%s (the compose stack's file provider) is a valid file-provider config",
    (file) => {
      const doc = yamlParse(readFileSync(path.join(traefikDir, 'compose', file), 'utf8'));
      expect(problems(validateDynamic, doc)).toEqual([]);
    },
  );

  it('the validators can fail: a misspelt option is reported with its schema path', () => {
    const bad = { http: { middlewares: { x: { rateLimit: { averge: 50 } } } } };
    const found = problems(validateDynamic, bad);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toContain('schema #/');
    expect(problems(validateStatic, { entryPoints: { web: { adress: ':80' } } }).length).toBeGreaterThan(0);
  });

  it('the copy local/traefik.ts renders with other ports still validates', async () => {
    const r = renderTraefikConfig(await loadTraefikConfig(traefikDir), {
      hostPort: 3999,
      asPort: 8999,
      httpsPort: 9443,
      httpPort: 9080,
      pingPort: 9082,
      certFile: '/tmp/x/tls.crt',
      keyFile: '/tmp/x/tls.key',
      dynamicDir: '/tmp/x/dynamic',
      accessLogFile: '/tmp/x/access.log',
    });
    expect(problems(validateStatic, r.static)).toEqual([]);
    for (const doc of Object.values(r.dynamic)) expect(problems(validateDynamic, doc)).toEqual([]);
  });
});
