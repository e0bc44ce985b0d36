// One linter, zero warnings: typescript-eslint's type-checked recommended rules.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      'dist/',
      '.local/',
      'coverage/',
      '.stryker-tmp/',
      'reports/',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // One owner for the revocation table: its files are reached through its index only, and
    // the product's code sends no DynamoDB command of its own (bench baselines and tests that
    // inspect raw items are the exceptions).
    files: ['**/*.ts'],
    ignores: ['lambda/revocations/table/**', 'test/lambda/revocations/table/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/revocations/table/*', './table/*'],
              message: 'Import the table module from its index (lambda/revocations/table).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lambda/**/*.ts', 'lib/**/*.ts', 'cli/**/*.ts', 'local/**/*.ts', 'bin/**/*.ts'],
    ignores: ['lambda/revocations/table/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // The construct reads the layout file alone, so a CDK app does not load the SDK.
              group: ['**/revocations/table/*', './table/*', '!**/revocations/table/layout'],
              message: 'Import the table module from its index (lambda/revocations/table).',
            },
            {
              group: ['@aws-sdk/client-dynamodb'],
              importNamePattern: 'Command$',
              message:
                'DynamoDB calls belong to the table module (lambda/revocations/table), which declares them for the IAM grants.',
            },
          ],
        },
      ],
    },
  },
);
