/** Examples shown after each command's `--help`. */
export const HELP = {
  program: `
The deployer is found by --deployer <arn>, else $SFN_DEPLOYER_ARN, else the DeployerArn
output of the CloudFormation stack SfnDeployer (--stack-name to change); on an --endpoint-url
without CloudFormation (the local cloud), the state machine named sfn-deployer there.
The region is --region, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's.

Exit codes: 0 deployed (PROMOTED, NO_CHANGE, CREATED_ALIAS) or command done;
            1 rolled back, failed, or an AWS call failed; 2 bad command line or request.

Examples:
  $ sfn-deploy plan --strategy linear --increment 15 --interval 600
  $ sfn-deploy start --state-machine orders --alias live --strategy canary --publish-revision --wait
  $ sfn-deploy watch arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:orders-live-20260302T100000Z-3f9a
  $ sfn-deploy local
`,
  signal: `
Sends the signal to the deployer's signal function (<deployer name>-signal), which queues it on
the deployment's lock with your IAM identity (from STS) and --reason, and ends the deployment's
wait so it acts within seconds. Exit 1 when no deployment of that alias is running.

Examples:
  $ sfn-deploy pause arn:aws:states:us-east-1:123456789012:stateMachine:orders:live --reason "launch at 10:00"
  $ sfn-deploy resume arn:aws:states:us-east-1:123456789012:stateMachine:orders:live
  $ sfn-deploy promote arn:aws:states:us-east-1:123456789012:stateMachine:orders:live --full --reason "hotfix"
  $ sfn-deploy abort arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:orders-live-20260302T100000Z-3f9a \\
      --reason "customers report errors"

  # the same without sfn-deploy
  $ aws lambda invoke --function-name sfn-deployer-signal --cli-binary-format raw-in-base64-out \\
      --payload '{"action":"abort","target":"arn:…:stateMachine:orders:live","reason":"errors","sender":"ana"}' out.json
`,
  start: `
Prints the execution ARN (with --json, JSON lines from the first line). With --wait, follows
the deployment (live on a terminal, one line per event otherwise, JSON lines with --json) and
exits 0 on PROMOTED, NO_CHANGE or CREATED_ALIAS, 1 on a rollback or failure (error and cause
on stderr). Before starting it checks, read-only, that a --file is valid ASL and that the
state machine, version and alarms exist: a request the deployer would reject exits 2 with
its messages, and nothing is started. An option value that looks like a flag is an error.

Examples:
  # upload a definition, publish it, canary 5% for 120 s (the defaults), then 100%
  $ sfn-deploy start --state-machine my-state-machine --region us-east-1 --alias my-alias \\
      --file my-dir/sample.asl.json --publish-revision --strategy canary

  # publish the latest revision, canary 30% for 300 s watching two alarms, and wait for the outcome
  $ sfn-deploy start --state-machine my-state-machine --region us-east-1 --alias my-alias \\
      --publish-revision --strategy canary --increment 30 --interval 300 \\
      --alarms MaxCPU "API Error Breach" --wait

  # a whole request from a file, with one field overridden
  $ sfn-deploy start --request examples/requests/canary.json --increment 20 --wait

  # against the local cloud (its deployer is found by name when --deployer is left out)
  $ sfn-deploy start --endpoint-url http://127.0.0.1:4566 --request request.json --wait
`,
  watch: `
Polls DescribeExecution and GetExecutionHistory (only the new events) every --refresh
seconds, and the watched alarms (metric and composite). Exits 0 when the deployment
succeeded, 1 when it rolled back or failed.

Examples:
  $ sfn-deploy watch arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:orders-live-20260302T100000Z-3f9a
  $ sfn-deploy watch "$EXECUTION_ARN" --json | jq -c 'select(.type == "shifted")'
  $ sfn-deploy watch "$EXECUTION_ARN" --refresh 10 > deploy.log
`,
  report: `
Reads the deployment after the fact, or as it stands while it runs: the deployer execution's
history and its continuations (GetExecutionHistory), each watched alarm's state changes
(DescribeAlarmHistory) and the executions of the old and new versions (ListExecutions by
version ARN). The page has no script and fetches nothing: open it from a file or a CI artifact.
Times are the service's (the virtual clock on the local cloud), in UTC.

Examples:
  $ sfn-deploy report arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:orders-live-20260302T100000Z-3f9a \\
      --html report.html
  $ sfn-deploy report "$EXECUTION_ARN" --html report.html --endpoint-url http://127.0.0.1:4566
`,
  plan: `
Computes the steps with the deployer's own plan arithmetic; --state-machine and --alias
are optional here. The request is validated as start would.

Examples:
  $ sfn-deploy plan --strategy linear --increment 15 --interval 600
  $ sfn-deploy plan --strategy canary --increment 10 --interval 300
  $ sfn-deploy plan --request examples/requests/linear.json --json
  $ sfn-deploy plan --request examples/requests/steps.json
  $ sfn-deploy plan --strategy Canary10Percent5Minutes
  $ sfn-deploy plan --steps '[{"weight":10,"holdSeconds":300},{"pause":true}]'
  $ sfn-deploy plan --list
`,
  local: `
Serves Step Functions and CloudWatch on 127.0.0.1 until interrupted (Ctrl-C) and prints
'ready <endpoint>'; point start and watch at it with --endpoint-url. The options are the
local cloud's own: --port <port> (default 4566), --speed <factor>, --fast-forward,
--region <region>, --account-id <id>, --seed <seed>, --history-limit <events>, --throttling.

Examples:
  $ sfn-deploy local
  $ sfn-deploy local --port 4600 --fast-forward
`,
};
