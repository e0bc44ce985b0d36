/**
 * The functions' code: pre-bundled in the package, or bundled from this repository's sources.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import {
  BUNDLES_DIR,
  FUNCTION_BUNDLING,
  FUNCTION_ENTRIES,
  type FunctionBundleName,
} from './bundling';

/**
 * A function running the bundle `name`: the code `npm run build` bundled, when the construct
 * runs from the built package (`dist/lib/`, bundles in `dist/bundles/`), so a consumer needs
 * neither our sources nor esbuild; else this repository's TypeScript source, bundled at synth by
 * the local esbuild (never Docker) with the same settings.
 */
export function bundledFunction(
  scope: Construct,
  id: string,
  name: FunctionBundleName,
  options: lambda.FunctionOptions & { runtime: lambda.Runtime },
): lambda.Function {
  const bundle = path.join(__dirname, '..', BUNDLES_DIR, name);
  if (existsSync(path.join(bundle, 'index.mjs'))) {
    return new lambda.Function(scope, id, {
      ...options,
      code: lambda.Code.fromAsset(bundle),
      handler: 'index.handler',
    });
  }
  const entry = path.join(__dirname, '..', FUNCTION_ENTRIES[name]);
  if (!existsSync(entry)) {
    throw new Error(
      `RevocationAuthorizer: neither the bundle ${bundle} nor the source ${entry} exists; run npm run build`,
    );
  }
  return new nodejs.NodejsFunction(scope, id, {
    ...options,
    entry,
    handler: 'handler',
    bundling: {
      forceDockerBundling: false,
      format: nodejs.OutputFormat.ESM,
      target: FUNCTION_BUNDLING.target,
      mainFields: [...FUNCTION_BUNDLING.mainFields],
      minify: FUNCTION_BUNDLING.minify,
      keepNames: FUNCTION_BUNDLING.keepNames,
      sourceMap: FUNCTION_BUNDLING.sourceMap,
      sourcesContent: FUNCTION_BUNDLING.sourcesContent,
      externalModules: [...FUNCTION_BUNDLING.externalModules],
      banner: FUNCTION_BUNDLING.banner,
    },
  });
}
