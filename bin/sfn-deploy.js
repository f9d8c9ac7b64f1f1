#!/usr/bin/env node
// Runs the TypeScript command line directly: tsx compiles it on load, so no build step is needed.
require('tsx/cjs');
require('../cli/main.ts');
