// Lines for stdout, with a cork: the audit dispatcher corks it while a request's records go to the sinks, so
// the audit line(s) and the EMF line(s) of one request leave in ONE write (one syscall) when it uncorks.
// Lambda reads a function's stdout as newline-separated lines, so two lines in one write are still two log
// events (aws-lambda-runtime-interface-emulator, lambda/logging/doc.go: "Function stream-based logs:
// Runtime's stdout and stderr, read as newline separated lines").

export interface LineBatch {
  /** Writes text (whole lines, each ending in "\n") now, or at uncork() while corked. */
  write(text: string): void;
  /** Holds writes until the matching uncork(); nests. */
  cork(): void;
  /** Writes what was held, in one write, once the outermost cork is released; throws what that write throws. */
  uncork(): void;
}

/** A batch over `write` (default: process.stdout.write). */
export function lineBatch(write: (text: string) => void = (text) => void process.stdout.write(text)): LineBatch {
  let depth = 0;
  let held = '';
  return {
    write(text) {
      if (depth > 0) held += text;
      else write(text);
    },
    cork() {
      depth += 1;
    },
    uncork() {
      if (depth === 0) return;
      depth -= 1;
      if (depth > 0 || held === '') return;
      const text = held;
      held = '';
      write(text);
    },
  };
}

/** The process's stdout batch, shared by the audit's stdout sink and the metrics sink. */
export const stdoutLines: LineBatch = lineBatch();
