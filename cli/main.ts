/** Entry point of `sfn-deploy`: the real process, streams, clock and AWS clients. */
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClients } from './aws';
import { createLiveRegion } from './live-region';
import { runCli } from './program';

// sfn-deployer supports Node 20 (package.json engines): the SDK's notice that it will stop doing so is noise on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void runCli(process.argv.slice(2), {
  io: {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stdout.isTTY),
    openLiveRegion: () => createLiveRegion(process.stdout),
    now: () => new Date(),
    sleep: (milliseconds) => sleep(milliseconds),
  },
  env: process.env,
  readFile: (path) => fs.readFileSync(path, 'utf8'),
  writeFile: (path, text) => fs.writeFileSync(path, text),
  createClients,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loadModule: (modulePath) => require(modulePath),
}).then((code) => {
  process.exitCode = code;
});
