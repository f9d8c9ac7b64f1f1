/**
 * The docs' commands name files that exist: `file://…` arguments of the AWS CLI
 * and `--file`/`--request` arguments of sfn-deploy, relative to the repository
 * root where the docs say to run them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join('docs', name)),
];
// Placeholders a user replaces, as in sfndeploy.py's own examples.
const PLACEHOLDERS = new Set(['my-dir/sample.asl.json', 'request.json', 'file.json']);

/** The local files a document's code blocks pass to a command. */
function filesNamedIn(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const files = blocks.flatMap((block) => [
    ...[...block.matchAll(/file:\/\/([^\s"'`]+)/g)].map((match) => match[1]!),
    ...[...block.matchAll(/--(?:file|request)[ =]([^\s"'`\\]+)/g)].map((match) => match[1]!),
  ]);
  return [...new Set(files)].filter(
    (file) => !PLACEHOLDERS.has(file) && !file.startsWith('$') && !file.startsWith('<'),
  );
}

describe('the docs', () => {
  it.each(DOCS)('%s names only files that exist', (doc) => {
    const missing = filesNamedIn(fs.readFileSync(path.join(ROOT, doc), 'utf8')).filter(
      (file) => !fs.existsSync(path.join(ROOT, file)),
    );

    expect(missing).toEqual([]);
  });

  it('finds the files of docs/triggers.md, so the check above is not vacuous', () => {
    expect(filesNamedIn(fs.readFileSync(path.join(ROOT, 'docs', 'triggers.md'), 'utf8'))).toEqual([
      'examples/targets/orders-v1.asl.json',
      'examples/targets/orders-v3.asl.json',
    ]);
  });
});
