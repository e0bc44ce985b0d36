#!/usr/bin/env node
// The `jti` bin: runs the TypeScript CLI through tsx, so no build step is needed after npm ci.
require('tsx/cjs');
require('./main.ts');
