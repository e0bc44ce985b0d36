#!/usr/bin/env node
// The `jti` bin. Installed from the package, it runs the compiled CLI (dist/cli/). In this
// repository, where the TypeScript sources sit beside it, it runs them through tsx (a development
// dependency), so no build step is needed after npm ci.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

if (existsSync(join(__dirname, 'main.ts'))) {
  require('tsx/cjs');
  require('./main.ts');
} else {
  require('../dist/cli/main.js');
}
