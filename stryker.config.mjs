// Mutation testing of the authorizer's decision code: `npm run test:mutation`.
// Results go to .stryker/ (git-ignored); later runs redo only what changed (incremental).
// One file at a time, with its own results (a full run takes over an hour and a half):
//   STRYKER_RUN=keys npx stryker run --mutate lambda/revocations/table/keys.ts
const run = process.env.STRYKER_RUN;
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // Each mutant runs only the tests that import its file and cover it.
    enableFindRelatedTests: true,
    config: {
      // Left out of mutation runs only (npm test runs them): they check the construct (CDK
      // synth), the benchmark and simulation (seconds a mutant), processes started by the
      // test, whose coverage Stryker cannot see, the pack test (a build and an install) and the
      // end-to-end test's snapshot (a synth).
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/cdk/',
        '<rootDir>/test/bench/',
        '<rootDir>/test/local/npm-start.test.ts',
        '<rootDir>/test/local/invoke.test.ts',
        '<rootDir>/test/package/',
        '<rootDir>/test/integ/',
      ],
    },
  },
  coverageAnalysis: 'perTest',
  // A static mutant (code run while a module loads or in a beforeAll) would need the whole
  // suite once per mutant; mutants also covered by a test still run against those tests.
  ignoreStatic: true,
  // The decision code: the request path and the revocation table's reading side.
  mutate: [
    'lambda/request/authorizer.ts',
    'lambda/request/revocation-checker.ts',
    'lambda/request/prefetch.ts',
    'lambda/request/token-verifier.ts',
    'lambda/request/list-scope-verifier.ts',
    'lambda/request/issuer-checks.ts',
    'lambda/request/route-scope-rules.ts',
    'lambda/request/claims-context.ts',
    'lambda/shared/route-scopes.ts',
    'lambda/revocations/table/keys.ts',
    'lambda/revocations/table/reader.ts',
  ],
  // Not copied to the sandbox: local state, reports, CDK output, the built package.
  ignorePatterns: ['.local', '.bench', 'cdk.out', 'coverage', '.stryker', 'dist'],
  incremental: true,
  incrementalFile: run ? `.stryker/${run}.incremental.json` : '.stryker/incremental.json',
  concurrency: 2,
  // Some tests wait on real sockets (DynamoDB Local, JWKS servers, silent endpoints) for deadlines.
  timeoutMS: 15000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 20,
  reporters: ['clear-text', 'json', 'progress-append-only'],
  jsonReporter: { fileName: run ? `.stryker/${run}.json` : '.stryker/mutation.json' },
  // Reported, not enforced yet: CI does not fail on the score.
  thresholds: { high: 85, low: 70, break: null },
  cleanTempDir: 'always',
};
