#!/usr/bin/env node
// The command line, bundled to plain JavaScript by `npm run build:bins` (npm runs it on install).
require('../dist/sfn-deploy.js');
