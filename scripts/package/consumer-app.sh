#!/usr/bin/env bash
# The library as a CDK user gets it: `npm pack` the built package, make an app with the project's
# own `cdk init app --language typescript` (its lockfile, its tsconfig, its feature flags, nothing
# of ours), install the tarball, use the construct and `cdk synth`. Twice, from two package builds
# in two app folders: the templates, asset hashes included, must be byte for byte the same.
#
# Usage: scripts/package/consumer-app.sh   (after `npm run build`; CI runs it in .ci/run)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${CONSUMER_WORK:-$(mktemp -d)}"
CDK="$ROOT/node_modules/.bin/cdk"
cd "$ROOT"

pack() {
  # Each build bundles the Lambdas from scratch, so two packs are two independent builds.
  npm run -s build:lambdas >/dev/null
  npm pack --silent --pack-destination "$1" >/dev/null
  ls "$1"/sfn-deployer-*.tgz
}

make_app() {
  local dir="$1" tarball="$2"
  mkdir -p "$dir" && cd "$dir"
  "$CDK" init app --language typescript --generate-only >/dev/null
  cat >lib/consumer-stack.ts <<'TS'
import * as cdk from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DeploymentStrategy, StateMachineDeployer } from 'sfn-deployer';

export class ConsumerStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);
    const orders = new sfn.StateMachine(this, 'Orders', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(this, 'Done')),
    });
    new StateMachineDeployer(this, 'Deployer', {
      targets: [orders],
      defaultStrategy: DeploymentStrategy.CANARY_10_PERCENT_5_MINUTES,
    });
  }
}
TS
  local app
  app=$(ls bin/*.ts)
  cat >"$app" <<'TS'
#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib';
import { ConsumerStack } from '../lib/consumer-stack';

new ConsumerStack(new cdk.App(), 'ConsumerStack');
TS
  rm -f lib/*-stack.ts.orig test/*.ts
  find lib -name '*-stack.ts' ! -name consumer-stack.ts -delete
  npm install --no-audit --no-fund --silent >/dev/null
  npm install --no-audit --no-fund --silent "$tarball" >/dev/null
  "$CDK" synth -q >/dev/null
  cd "$ROOT"
}

rm -rf "$WORK" && mkdir -p "$WORK/pack-a" "$WORK/pack-b"
started=$(date +%s)
tarball_a=$(pack "$WORK/pack-a")
make_app "$WORK/app-a" "$tarball_a"
tarball_b=$(pack "$WORK/pack-b")
make_app "$WORK/somewhere/else/app-b" "$tarball_b"

node "$ROOT/scripts/package/check-consumer.js" "$WORK/app-a" "$WORK/somewhere/else/app-b"
echo "consumer-app: packed, installed into two cdk-init apps and synthesized identically in $(($(date +%s) - started)) s"
