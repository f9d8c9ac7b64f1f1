/**
 * Checks what scripts/package/consumer-app.sh made: each app's synthesized template has the
 * deployer (its Lambdas from the package's prebuilt assets, the state machine, the table), the
 * two apps' templates and asset files are identical, and installing the library brought none of
 * the tools the project itself uses (bundler, local cloud, command line).
 */
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');

const [appA, appB] = process.argv.slice(2);
const STACK = 'ConsumerStack';
const read = (app, file) => fs.readFileSync(path.join(app, 'cdk.out', file), 'utf8');

const template = JSON.parse(read(appA, `${STACK}.template.json`));
const resources = Object.values(template.Resources);
const ofType = (type) => resources.filter((resource) => resource.Type === type);

const functions = ofType('AWS::Lambda::Function');
assert.equal(functions.length, 10, `expected the deployer's 10 Lambdas, got ${functions.length}`);
for (const fn of functions) {
  assert.equal(fn.Properties.Handler, 'index.handler');
  assert.match(JSON.stringify(fn.Properties.Code.S3Key), /^"[0-9a-f]{64}\.zip"$/);
}
assert.equal(ofType('AWS::StepFunctions::StateMachine').length, 2, 'the target and the deployer');
assert.equal(ofType('AWS::DynamoDB::Table').length, 1, 'the deployments table');

const assets = JSON.parse(read(appA, `${STACK}.assets.json`)).files;
const lambdaAssets = Object.values(assets).filter((asset) => asset.source.packaging === 'zip');
assert.equal(lambdaAssets.length, 10, 'one asset folder per Lambda');
for (const asset of lambdaAssets) {
  const folder = path.join(appA, 'cdk.out', asset.source.path);
  assert.deepEqual(fs.readdirSync(folder).sort(), ['index.js', 'index.js.map']);
}

// Two builds, two folders: the same bytes.
assert.equal(read(appB, `${STACK}.template.json`), read(appA, `${STACK}.template.json`), 'templates differ');
assert.equal(
  read(appB, `${STACK}.assets.json`),
  read(appA, `${STACK}.assets.json`),
  'asset manifests differ',
);

// `cdk init` brings its own tsx (and so esbuild); the library must bring nothing but what it bundles.
for (const tool of ['dynalite', 'aws-local-stepfunctions', 'commander', 'cdk-nag', '@aws-sdk/client-sfn']) {
  assert.ok(
    !fs.existsSync(path.join(appA, 'node_modules', tool)),
    `installing sfn-deployer brought ${tool} into the app`,
  );
}
const bundled = fs.readdirSync(path.join(appA, 'node_modules', 'sfn-deployer', 'node_modules'));
assert.deepEqual(bundled, ['zod'], `the package bundles ${bundled.join(', ')}; expected only zod`);
const installed = JSON.parse(
  fs.readFileSync(path.join(appA, 'node_modules', 'sfn-deployer', 'package.json'), 'utf8'),
);
console.log(
  `consumer-app: sfn-deployer ${installed.version} synthesized ${functions.length} Lambdas, ` +
    `${Object.keys(assets).length} assets; identical across two builds`,
);
