// The doctor's public face: a CLI (`mcp-lambda-stack doctor`, `npm run -s doctor`) that checks an MCP
// endpoint's auth and streaming from outside, with fetch only. It imports no server code except the pure
// discovery order in lib/auth/discovery.ts, so it diagnoses any deployment.
export { main, USAGE } from './cli.ts';
export { type DoctorOptions, type DoctorReport, exitCodeOf, renderText, runDoctor } from './doctor.ts';
export type { Check, CheckStatus, Step } from './report.ts';
