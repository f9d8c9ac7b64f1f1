/**
 * `sfn-deploy local`: the local cloud, as
 * `npm run local` starts it. The local cloud is its own package (`local/`, bundled to
 * `local/dist/main.js`); it is loaded only for this command, so the others never pay for it.
 */
import * as path from 'node:path';
import { EXIT } from '../errors';
import type { Output } from '../io';

// The same path from the sources (cli/commands) and from the bundle (cli/dist).
export const LOCAL_ENTRY = path.resolve(__dirname, '..', '..', 'local', 'dist', 'main.js');

/** What `local/main.ts` exports: `main(argv)` parses a whole `process.argv` (node, script, args…). */
interface LocalModule {
  main?: (argv: string[]) => unknown;
}

export interface LocalDeps {
  stderr: Output;
  /** Loads the local cloud's entry module; `require` in production. */
  load: (modulePath: string) => unknown;
}

export async function runLocal(args: string[], deps: LocalDeps): Promise<number> {
  let local: LocalModule;
  try {
    local = deps.load(LOCAL_ENTRY) as LocalModule;
  } catch (error) {
    if (!isMissing(error, LOCAL_ENTRY)) throw error;
    deps.stderr.write(
      'The local cloud is not available here: local/dist/main.js is missing (run `npm install` in a clone).\n' +
        'It starts Step Functions and CloudWatch on loopback with the deployer from cdk.out; ' +
        'update the checkout, or use --endpoint-url with a local cloud started another way.\n',
    );
    return EXIT.FAILED;
  }
  if (typeof local.main === 'function') {
    const code = await local.main([process.execPath, 'sfn-deploy local', ...args]);
    return typeof code === 'number' ? code : EXIT.OK;
  }
  return EXIT.OK;
}

function isMissing(error: unknown, modulePath: string): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === 'MODULE_NOT_FOUND' && (message ?? '').includes(modulePath);
}
