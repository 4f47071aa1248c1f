// The operational settings are parsed in lib/config.ts like every other variable: a bad value fails fast
// and names the variable; the shared logger honours LOG_LEVEL from the environment.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig, loadOpsConfig } from '../../../lib/config.ts';
import { log } from '../../../lib/telemetry/index.ts';
import { captureOutput } from './capture.ts';

function failure(env: Record<string, string>): { variable: string; message: string } | undefined {
  try {
    loadOpsConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return { variable: (err as ConfigError).variable, message: (err as Error).message };
  }
  return undefined;
}

afterEach(() => vi.unstubAllEnvs());

describe('ops configuration', () => {
  it('defaults: info, service = RESOURCE_NAME, namespace McpLambdaStack, metrics on, no sampling', () => {
    expect(loadOpsConfig({})).toEqual({
      logLevel: 'info',
      serviceName: 'mcp-lambda-stack',
      metricsNamespace: 'McpLambdaStack',
      metricsEnabled: true,
      logSampleRate: 0,
    });
    expect(loadOpsConfig({ RESOURCE_NAME: 'Acme MCP' }).serviceName).toBe('Acme MCP');
    expect(loadOpsConfig({ RESOURCE_NAME: 'Acme MCP', POWERTOOLS_SERVICE_NAME: 'acme' }).serviceName).toBe('acme');
    expect(
      loadOpsConfig({
        LOG_LEVEL: 'debug',
        POWERTOOLS_METRICS_NAMESPACE: 'Acme/Mcp',
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOGGER_SAMPLE_RATE: '0.25',
      }),
    ).toMatchObject({ logLevel: 'debug', metricsNamespace: 'Acme/Mcp', metricsEnabled: false, logSampleRate: 0.25 });
    const cfg = loadConfig({ AUTH_DISABLED: 'true', LOG_LEVEL: 'warn' });
    expect([cfg.logLevel, cfg.ops.logLevel]).toEqual(['warn', 'warn']);
  });

  it('fails fast naming the variable', () => {
    expect(failure({ LOG_LEVEL: 'verbose' })?.variable).toBe('LOG_LEVEL');
    expect(failure({ LOG_LEVEL: 'INFO' })?.variable).toBe('LOG_LEVEL');
    expect(failure({ POWERTOOLS_METRICS_NAMESPACE: 'AWS/Lambda' })?.variable).toBe('POWERTOOLS_METRICS_NAMESPACE');
    expect(failure({ POWERTOOLS_METRICS_NAMESPACE: 'bad"quote' })?.variable).toBe('POWERTOOLS_METRICS_NAMESPACE');
    expect(failure({ POWERTOOLS_METRICS_NAMESPACE: 'x'.repeat(256) })?.variable).toBe('POWERTOOLS_METRICS_NAMESPACE');
    expect(failure({ POWERTOOLS_LOGGER_SAMPLE_RATE: '1.5' })?.variable).toBe('POWERTOOLS_LOGGER_SAMPLE_RATE');
    expect(failure({ POWERTOOLS_LOGGER_SAMPLE_RATE: '-0.1' })?.variable).toBe('POWERTOOLS_LOGGER_SAMPLE_RATE');
    expect(failure({ POWERTOOLS_LOGGER_SAMPLE_RATE: 'half' })?.variable).toBe('POWERTOOLS_LOGGER_SAMPLE_RATE');
    expect(failure({ POWERTOOLS_METRICS_DISABLED: 'maybe' })?.variable).toBe('POWERTOOLS_METRICS_DISABLED');
    expect(failure({ POWERTOOLS_SERVICE_NAME: 'a\nb' })?.variable).toBe('POWERTOOLS_SERVICE_NAME');
    expect(failure({ RESOURCE_NAME: 'x'.repeat(256) })?.variable).toBe('RESOURCE_NAME');
    expect(failure({ LOG_LEVEL: 'verbose' })?.message).toBe(
      'Invalid configuration: LOG_LEVEL must be one of debug, info, warn, error, got "verbose"',
    );
  });

  it('the shared log is built from the environment on first use (LOG_LEVEL=warn drops info)', () => {
    vi.stubEnv('LOG_LEVEL', 'warn');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'shared-test');
    const out = captureOutput();
    try {
      log.info('dropped');
      log.warn('kept');
    } finally {
      out.restore();
    }
    expect(out.json().map((l) => [l.level, l.message, l.service])).toEqual([['WARN', 'kept', 'shared-test']]);
  });
});
