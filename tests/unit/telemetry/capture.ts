// Captures what the process writes to stdout and stderr (Powertools writes through its own Console on
// process.stdout/stderr), without passing it on: a failing redaction must not print a token into the test log.
import { vi } from 'vitest';

export interface Captured {
  stdout: string[];
  stderr: string[];
  /** Every captured line parsed as JSON, in order, with the stream it went to. */
  json(): Array<Record<string, unknown> & { _stream: 'stdout' | 'stderr' }>;
  restore(): void;
}

export function captureOutput(): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const order: Array<['stdout' | 'stderr', string]> = [];
  const grab = (name: 'stdout' | 'stderr', into: string[]) =>
    vi.spyOn(process[name], 'write').mockImplementation(((chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      for (const line of text.split('\n').filter(Boolean)) {
        into.push(line);
        order.push([name, line]);
      }
      return true;
    }) as typeof process.stdout.write);
  const out = grab('stdout', stdout);
  const err = grab('stderr', stderr);
  return {
    stdout,
    stderr,
    json: () => order.map(([stream, line]) => ({ ...(JSON.parse(line) as Record<string, unknown>), _stream: stream })),
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}
