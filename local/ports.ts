// Ports the local stack listens on, each tied to the variable that sets it, so that a port another process holds
// stops `npm start` at once with the variable to change ("PORT=3000: 127.0.0.1:3000 is in use …") instead of an
// EADDRINUSE stack trace, or Keycloak failing a minute later.
import { createServer } from 'node:net';

export interface PortUse {
  port: number;
  /** The variable that sets it, e.g. PORT, AS_PORT, TRAEFIK_HTTPS_PORT. */
  variable: string;
  /** What listens there, e.g. "the Function URL host", "Keycloak's management interface (AS_PORT + 1000)". */
  what: string;
  host?: string;
}

export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  readonly variable: string;
  constructor(use: PortUse) {
    const host = use.host ?? '127.0.0.1';
    super(
      `${use.variable}=${use.port}: ${host}:${use.port} is already in use, so ${use.what} cannot listen there; ` +
        `stop what holds it or set ${use.variable} to another port${use.variable === 'PORT' ? ' (PORT=0 picks a free one)' : ''}`,
    );
    this.name = 'PortInUseError';
    this.variable = use.variable;
  }
}

/** Whether something already listens on host:port (tries to bind it for a moment). */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  if (port === 0) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(true);
      else if (err.code === 'EACCES') reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`));
      else reject(err);
    });
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(false)));
  });
}

/** Throws a PortInUseError for the first port that is taken. */
export async function assertPortsFree(uses: readonly PortUse[]): Promise<void> {
  for (const use of uses) if (await portInUse(use.port, use.host)) throw new PortInUseError(use);
}

/** The same message for an EADDRINUSE that happened at listen time (a port taken after the check). */
export function explainListenError(err: unknown, use: PortUse): unknown {
  return (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE' ? new PortInUseError(use) : err;
}
