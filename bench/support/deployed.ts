/**
 * The authorizer as deployed: bundled exactly as CDK bundles the function (`lib/bundling.ts`),
 * loaded from that bundle, and a handler built from it with production dependencies.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuthorizerHandler } from '../../lambda/request/authorizer';
import { bundleFunction, ROOT } from '../../scripts/bundle-function';

export { ROOT };

/** Bundles `entry` (relative to the project) as the functions are deployed; returns the file. */
export async function bundle(entry: string, outdir: string): Promise<string> {
  await bundleFunction(entry, outdir);
  return join(outdir, 'index.mjs');
}

/** The authorizer's modules, from its deployed bundle. */
export type Deployed = typeof import('../bundled-entry');

export async function loadDeployed(dir: string): Promise<Deployed> {
  const file = await bundle('bench/bundled-entry.ts', dir);
  return (await import(pathToFileURL(file).href)) as Deployed;
}

/** The handler as deployed: production dependencies and Powertools telemetry. */
export function productionHandler(
  deployed: Deployed,
  env: Record<string, string>,
  client: DynamoDBClient,
): AuthorizerHandler {
  const config = deployed.loadConfig(env);
  return deployed.createHandler(
    deployed.createProductionDeps(config, {
      dynamoDbClient: client,
      telemetry: new deployed.PowertoolsTelemetry(),
    }),
  );
}
