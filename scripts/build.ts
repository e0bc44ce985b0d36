/**
 * `npm run build`, which `npm pack` runs (prepack): the package as it ships, in `dist/`.
 * - the construct (`lib/index.ts`), the revocation client (`lambda/revocations/client.ts`) and
 *   the CLI (`cli/main.ts`) compiled to CommonJS with declarations (`tsconfig.build.json`);
 * - each Lambda function bundled as the construct bundles it from source (`lib/bundling.ts`:
 *   the same esbuild options CDK's NodejsFunction passes), in `dist/bundles/<name>/`, which the
 *   compiled construct deploys as is;
 * - the licences of the third-party code inside those bundles, in
 *   `dist/bundles/THIRD-PARTY-LICENSES.txt` (outside the functions' code).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { BUNDLES_DIR, FUNCTION_ENTRIES } from '../lib/bundling';
import { bundleFunction, ROOT } from './bundle-function';

const DIST = join(ROOT, 'dist');

/** The packages whose code a bundle holds, by their folder under node_modules. */
function bundledPackages(metafile: Metafile): Set<string> {
  const folders = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) folders.add(join(ROOT, match[1]));
  }
  return folders;
}

function licenceText(folder: string): string {
  const file = readdirSync(folder).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
  return file
    ? readFileSync(join(folder, file), 'utf8').trim()
    : '(no licence file in the package)';
}

function thirdPartyLicences(folders: Iterable<string>): string {
  const entries = [...folders]
    .filter((folder) => existsSync(join(folder, 'package.json')))
    .map((folder) => {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        license?: string;
      };
      return { ...manifest, folder };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  // One section per licence text, naming every package that carries it.
  const byText = new Map<string, string[]>();
  for (const { name, version, license, folder } of entries) {
    const text = licenceText(folder);
    const names = byText.get(text) ?? [];
    const label = `${name}@${version} (${license ?? 'unknown'})`;
    if (!names.includes(label)) names.push(label);
    byText.set(text, names);
  }
  const sections = [...byText].map(([text, names]) => `${names.join('\n')}\n\n${text}`);
  return `Third-party code bundled into the Lambda functions in this folder:\n\n${sections.join(
    `\n\n${'-'.repeat(72)}\n\n`,
  )}\n`;
}

async function main(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
  const packages = new Set<string>();
  for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) {
    const metafile = await bundleFunction(entry, join(DIST, BUNDLES_DIR, name));
    for (const folder of bundledPackages(metafile)) packages.add(folder);
  }
  writeFileSync(join(DIST, BUNDLES_DIR, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicences(packages));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
