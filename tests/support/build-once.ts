// vitest globalSetup: integration and e2e suites run the esbuild bundles (what SAM deploys), so build them once.
import { buildAll } from '../../scripts/build.ts';

export default async function setup(): Promise<void> {
  await buildAll();
}
