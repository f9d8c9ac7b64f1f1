#!/usr/bin/env node
/**
 * Writes the README's Python example from the TypeScript example above it, as jsii-rosetta
 * translated it: the Python is generated, never edited by hand. Reads `.jsii.python`, which
 * `jsii-rosetta transliterate --language python --tablet .jsii.tabl.json` writes from the tablet
 * that `jsii-rosetta extract --strict` compiled (so only examples that type-check are translated).
 *
 *   node scripts/package/readme-python.js           rewrite the README's python section
 *   node scripts/package/readme-python.js --check   exit 1 if the README's python section is stale
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');
const TRANSLATED = path.join(ROOT, '.jsii.python');
const START = /^<!-- python:start.*-->$/m;
const END = '<!-- python:end -->';

/** The bodies of the fenced code blocks of `markdown` in a language, in order. */
function blocks(markdown, languages) {
  const found = [];
  const fence = /^```(\w+)[^\n]*\n([\s\S]*?)^```$/gm;
  for (let match; (match = fence.exec(markdown));) {
    if (languages.includes(match[1])) found.push({ at: match.index, body: match[2] });
  }
  return found;
}

if (!fs.existsSync(TRANSLATED)) {
  console.error(
    '.jsii.python is missing: run `npm run docs:python` (jsii, then jsii-rosetta extract and transliterate)',
  );
  process.exit(1);
}
const readme = fs.readFileSync(README, 'utf8');
const start = START.exec(readme);
const end = readme.indexOf(END);
if (!start || end < start.index) {
  console.error(`README.md has no "<!-- python:start -->" … "${END}" section`);
  process.exit(1);
}
// The TypeScript block right before the section is the one to show in Python.
const index = blocks(readme, ['ts', 'typescript']).filter((block) => block.at < start.index).length - 1;
const translated = JSON.parse(fs.readFileSync(TRANSLATED, 'utf8')).readme?.markdown ?? '';
const python = blocks(translated, ['python'])[index];
if (index < 0 || !python) {
  console.error('no Python translation of the TypeScript example before the python section');
  process.exit(1);
}
const head = readme.slice(0, start.index + start[0].length);
const generated = `${head}\n\n\`\`\`python\n${python.body}\`\`\`\n\n${readme.slice(end)}`;
if (process.argv.includes('--check')) {
  if (generated !== readme) {
    console.error(
      "README.md's Python example is not the translation of its TypeScript one: run `npm run docs:python`",
    );
    process.exit(1);
  }
  console.log("README.md's Python example is the translation of its TypeScript example");
} else {
  fs.writeFileSync(README, generated);
  console.log('README.md: Python example written from the TypeScript example');
}
