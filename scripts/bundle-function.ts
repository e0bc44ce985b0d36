/**
 * Bundles one Lambda entry with the flags CDK's NodejsFunction gives esbuild for the settings in
 * `lib/bundling.ts`: the package's build and the benchmark both bundle through here, so what
 * they ship or measure is what the construct deploys.
 */
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { FUNCTION_BUNDLING } from '../lib/bundling';

/** The project's root folder. */
export const ROOT = join(__dirname, '..');

/** Bundles `entry` (relative to the project) into `<outdir>/index.mjs`; returns its metafile. */
export async function bundleFunction(entry: string, outdir: string): Promise<Metafile> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: FUNCTION_BUNDLING.format,
    target: FUNCTION_BUNDLING.target,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    minify: FUNCTION_BUNDLING.minify,
    keepNames: FUNCTION_BUNDLING.keepNames,
    // CDK's `--sourcemap`: a linked map, so --enable-source-maps finds it.
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    external: [...FUNCTION_BUNDLING.externalModules],
    banner: { js: FUNCTION_BUNDLING.banner },
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}
