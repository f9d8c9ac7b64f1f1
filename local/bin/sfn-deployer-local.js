#!/usr/bin/env node
// The local cloud, bundled to plain JavaScript by `npm run build:bins` (npm runs it on install).
require('../dist/main.js');
