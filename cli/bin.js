#!/usr/bin/env node
// The `camvault` command: runs cli/main.ts through tsx, with no build step to forget. The repository's
// tsconfig is named explicitly so that tsx never picks up one from the directory the user works in.
process.env.TSX_TSCONFIG_PATH = require('node:path').join(__dirname, '..', 'tsconfig.json');
require('tsx/cjs');
require('./main.ts');
