// FUNCTIONS=…: the local host serves a subset of template.yaml's functions (one per process, as Lambda).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFunctionsVar, selectFunctions } from '../../../local/host.ts';
import { loadTemplate } from '../../../local/template.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const all = loadTemplate(path.join(ROOT, 'template.yaml'));

describe('FUNCTIONS subset', () => {
  it('unknown names fail fast, naming the choices', () => {
    expect(() => selectFunctions(all, ['McpFunction', 'NopeFunction'])).toThrow(
      /FUNCTIONS: no function named "NopeFunction".*McpFunction \(mcp\)/,
    );
  });

  it('unset or blank means every function', () => {
    expect(parseFunctionsVar(undefined)).toBeUndefined();
    expect(parseFunctionsVar(' , ')).toBeUndefined();
    expect(selectFunctions(all, undefined).map((f) => f.logicalId)).toEqual(all.map((f) => f.logicalId));
  });

  it('selects by logical id or bundle name, keeping template order', () => {
    const list = parseFunctionsVar(' prm, McpFunction ');
    expect(list).toEqual(['prm', 'McpFunction']);
    expect(selectFunctions(all, list).map((f) => f.logicalId)).toEqual(['McpFunction', 'PrmFunction']);
    expect(selectFunctions(all, ['McpFunction']).map((f) => f.name)).toEqual(['mcp']);
  });
});
