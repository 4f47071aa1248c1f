// Metric points derived from audit records (pure), and the sink's bookkeeping: a batch's calls are counted
// from their tool_call records and not again from the request record; undeclared tool names become `unknown`.
import { describe, expect, it } from 'vitest';
import {
  declaredTools,
  isToolFailure,
  METRIC,
  type MeteredRecord,
  metricsFromAuditRecord,
  toolDimension,
  UNKNOWN_TOOL,
} from '../../../lib/telemetry/index.ts';

const isDeclaredTool = declaredTools(['echo', 'stream_demo', 'fail_demo', 'admin_demo']);
const rec = (r: Partial<MeteredRecord>): MeteredRecord => ({ kind: 'request', outcome: 'ok', durationMs: 5, ...r });

describe('metricsFromAuditRecord', () => {
  it('a tool call: count, error 0/1 and duration per tool, and the per-service totals', () => {
    expect(metricsFromAuditRecord(rec({ tool: 'echo', httpStatus: 200, durationMs: 12 }), { isDeclaredTool })).toEqual([
      { name: 'ToolCalls', unit: 'Count', value: 1, tool: 'echo' },
      { name: 'ToolErrors', unit: 'Count', value: 0, tool: 'echo' },
      { name: 'ToolDuration', unit: 'Milliseconds', value: 12, tool: 'echo' },
      { name: 'ToolCalls', unit: 'Count', value: 1 },
      { name: 'ToolErrors', unit: 'Count', value: 0 },
    ]);
    const failed = metricsFromAuditRecord(rec({ tool: 'fail_demo', outcome: 'tool_error' }), { isDeclaredTool });
    expect(failed.filter((p) => p.name === METRIC.toolErrors).map((p) => p.value)).toEqual([1, 1]);
  });

  it('401 and 403 count once per request record; bytesOut becomes StreamBytesOut', () => {
    expect(
      metricsFromAuditRecord(rec({ outcome: 'denied', httpStatus: 401, bytesOut: 0 }), { isDeclaredTool }),
    ).toEqual([
      { name: 'Unauthorized', unit: 'Count', value: 1 },
      { name: 'StreamBytesOut', unit: 'Bytes', value: 0 },
    ]);
    const forbidden = metricsFromAuditRecord(rec({ tool: 'admin_demo', outcome: 'denied', httpStatus: 403 }), {
      isDeclaredTool,
    });
    expect(forbidden.map((p) => `${p.name}${p.tool ? `/${p.tool}` : ''}=${p.value}`)).toEqual([
      'ToolCalls/admin_demo=1',
      'ToolErrors/admin_demo=0', // a refusal is the caller's, not a tool failure
      'ToolDuration/admin_demo=5',
      'ToolCalls=1',
      'ToolErrors=0',
      'Forbidden=1',
    ]);
    // tool_call records never count the HTTP status again (their request record does)
    expect(
      metricsFromAuditRecord(rec({ kind: 'tool_call', tool: 'echo', httpStatus: 401, bytesOut: 9 }), {
        isDeclaredTool,
      }).map((p) => p.name),
    ).not.toContain('Unauthorized');
  });

  it('only declared tools become a dimension: caller-chosen names, prototype keys included, are `unknown`', () => {
    for (const name of [
      'no_such_tool',
      'constructor',
      '__proto__',
      'hasOwnProperty',
      'toString',
      'ECHO',
      'x'.repeat(300),
    ]) {
      expect(toolDimension(name, isDeclaredTool)).toBe(UNKNOWN_TOOL);
      const points = metricsFromAuditRecord(rec({ tool: name, outcome: 'bad_request' }), { isDeclaredTool });
      expect(new Set(points.map((p) => p.tool).filter(Boolean))).toEqual(new Set([UNKNOWN_TOOL]));
    }
    expect(toolDimension('echo', isDeclaredTool)).toBe('echo');
    expect(metricsFromAuditRecord(rec({ tool: 'echo' }), { isDeclaredTool, countTool: false })).toEqual([]);
  });

  it('which outcomes are tool failures: ours (and any future outcome), not the caller’s', () => {
    for (const o of ['tool_error', 'error', 'timeout', 'some_future_outcome']) expect(isToolFailure(o)).toBe(true);
    for (const o of ['ok', 'aborted', 'denied', 'not_found', 'rate_limited', 'too_large', 'bad_request']) {
      expect(isToolFailure(o)).toBe(false);
    }
  });
});
