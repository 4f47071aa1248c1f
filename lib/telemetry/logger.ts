// The operational logger: Powertools Logger (JSON lines, levels, `service`, X-Ray trace id, debug sampling)
// with the audit's redaction applied to every line, and the invocation's ids and cold start on every line
// written inside withInvocation. INFO and DEBUG go to stdout, WARN and ERROR to stderr (Powertools' split).
// The audit record keeps its own path (lib/audit); these lines are for operators, never for evidence.
import { Logger } from '@aws-lambda-powertools/logger';
import { loadOpsConfig, type OpsConfig } from '../config.ts';
import { invocationKeys, onInvocationStart } from './invocation.ts';
import { createRedactingReplacer } from './redaction.ts';

/** Structured fields of a line. Put an error under `error` (an Error is written as { name, message, stack, … }). */
export type LogFields = Record<string, unknown>;

export interface OpsLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Draws again whether this invocation logs at DEBUG (POWERTOOLS_LOGGER_SAMPLE_RATE); the first draw is at creation. */
  resample(): void;
  /** The level in force: LOG_LEVEL, or DEBUG in a sampled invocation. */
  levelName(): string;
}

export type LoggerOptions = Pick<OpsConfig, 'logLevel' | 'serviceName' | 'logSampleRate'>;

/** A logger for these settings. Functions use the shared `log`; tests and tools may build their own. */
export function createLogger(opts: LoggerOptions): OpsLogger {
  const logger = new Logger({
    serviceName: opts.serviceName,
    logLevel: opts.logLevel.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR',
    sampleRateValue: opts.logSampleRate,
    jsonReplacerFn: createRedactingReplacer(),
  });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields): void => {
      const keys = invocationKeys();
      logger[level](message, keys ? { ...keys, ...fields } : (fields ?? {}));
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    resample: () => logger.refreshSampleRateCalculation(),
    levelName: () => logger.getLevelName(),
  };
}

let shared: OpsLogger | undefined;

/**
 * The process's logger, built on first use from LOG_LEVEL, POWERTOOLS_SERVICE_NAME (else RESOURCE_NAME) and
 * POWERTOOLS_LOGGER_SAMPLE_RATE. A bad value throws the ConfigError loadConfig() already threw at init.
 */
function sharedLogger(): OpsLogger {
  if (!shared) {
    const logger = createLogger(loadOpsConfig());
    onInvocationStart(() => logger.resample());
    shared = logger;
  }
  return shared;
}

/** The shared operational logger: `log.error('mcp handler error', { error })`. */
export const log: OpsLogger = {
  debug: (message, fields) => sharedLogger().debug(message, fields),
  info: (message, fields) => sharedLogger().info(message, fields),
  warn: (message, fields) => sharedLogger().warn(message, fields),
  error: (message, fields) => sharedLogger().error(message, fields),
  resample: () => sharedLogger().resample(),
  levelName: () => sharedLogger().levelName(),
};
