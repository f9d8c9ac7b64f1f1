import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The folder of one deployer Lambda's prebuilt bundle (`assets/lambda/<name>`, made by
 * `npm run build:lambdas` when the package is built). It is found by walking up from this
 * file, which sits in `lib/` in the sources and in `dist/lib/` in the package.
 */
export function lambdaAssetPath(name: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'assets', 'lambda', name);
    if (fs.existsSync(path.join(candidate, 'index.js'))) return candidate;
    if (fs.existsSync(path.join(dir, 'package.json')) || path.dirname(dir) === dir) {
      throw new Error(
        `sfn-deployer: the prebuilt Lambda '${name}' is missing from ${path.join(dir, 'assets', 'lambda')}; ` +
          'in a clone of the project, run `npm run build:lambdas` (an installed package ships it)',
      );
    }
  }
}
