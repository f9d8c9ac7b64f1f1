/**
 * The `sfn-deploy` command line: commander wiring only. Each command's work
 * is a function in `commands/` that receives its clients and streams.
 */
import { Command, CommanderError, InvalidArgumentError, type Option } from 'commander';
import { InvalidDeployRequestError } from '../lambda/shared/errors';
import { printPlan } from './commands/plan';
import { writeReport } from './commands/report';
import { showHistory } from './commands/history';
import { listDeployments } from './commands/list';
import { sendSignal } from './commands/signal';
import { SIGNAL_ACTIONS } from '../lambda/shared/lock';
import { runLocal } from './commands/local';
import { startDeployment } from './commands/start';
import { watchExecution } from './commands/watch';
import { DEFAULT_STACK_NAME, DEPLOYER_ENV } from './deployer';
import { EXIT, UsageError } from './errors';
import { version } from '../package.json';
import { HELP } from './help';
import type { AwsClients, AwsOptions, Io } from './io';
import type { ReadFile } from './request';

export interface CliDeps {
  io: Io;
  env: Record<string, string | undefined>;
  readFile: ReadFile;
  writeFile: (path: string, text: string) => void;
  createClients: (options: AwsOptions, env: Record<string, string | undefined>) => AwsClients;
  loadModule: (modulePath: string) => unknown;
}

/** Runs the command line on `args` (without `node` and the script) and returns the exit code. */
export async function runCli(args: string[], deps: CliDeps): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = createProgram(deps, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, deps.io);
  }
}

function reportError(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    // Commander printed its message already; help and version are not failures.
    return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (error instanceof InvalidDeployRequestError) {
    io.stderr.write(
      `Invalid deploy request (nothing was started):\n${error.problems.map((problem) => `  - ${problem}\n`).join('')}`,
    );
    return EXIT.USAGE;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`error: ${error.message}\n`);
    return EXIT.USAGE;
  }
  const { name, message } = error as Error;
  io.stderr.write(`error: ${name}: ${message}\n`);
  return EXIT.FAILED;
}

export function createProgram(deps: CliDeps, setExitCode: (code: number) => void): Command {
  const { io } = deps;
  const program = new Command('sfn-deploy')
    .description('Gradually deploy AWS Step Functions state machines with the sfn-deployer state machine.')
    .version(version, '-V, --version', 'print the version of sfn-deploy')
    // Root options only before the command: `start --version 7` is the version to deploy.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText('after', HELP.program);

  const start = program
    .command('start')
    .description(
      'Start a deployment (sfndeploy.py flags); prints the execution ARN, or follows it with --wait.',
    )
    .option('--name <execution-name>', 'execution name (default: <state machine>-<alias>-<time>-<random>)')
    .option(
      '--wait',
      'follow the deployment to its end; exit 0 when it succeeds, 1 when it rolls back or fails',
    );
  addRequestOptions(start);
  addFollowOptions(start);
  addDeployerOptions(start);
  addAwsOptions(start);
  start.addHelpText('after', HELP.start).action(async (options) => {
    setExitCode(
      await startDeployment(options, {
        clients: deps.createClients(options, deps.env),
        io,
        readFile: deps.readFile,
        env: deps.env,
      }),
    );
  });

  const watch = program
    .command('watch')
    .description(
      'Follow a deployment: weight, step, next shift, alarms and events; exits as the deployment ends.',
    )
    .argument('<execution-arn>', 'the deployer execution, as printed by start');
  addFollowOptions(watch);
  addAwsOptions(watch);
  watch.addHelpText('after', HELP.watch).action(async (executionArn: string, options) => {
    setExitCode(
      await watchExecution(executionArn, options, { clients: deps.createClients(options, deps.env), io }),
    );
  });

  const report = program
    .command('report')
    .description(
      'Write a deployment as one self-contained HTML page: weight over time, executions per version, alarms, events.',
    )
    .argument('<execution-arn>', 'the deployer execution, as printed by start')
    .option('--html <file>', 'write the page to this file (required)');
  addAwsOptions(report);
  report.addHelpText('after', HELP.report).action(async (executionArn: string, options) => {
    setExitCode(
      await writeReport(executionArn, options, {
        clients: deps.createClients(options, deps.env),
        io,
        writeFile: deps.writeFile,
      }),
    );
  });

  const plan = program
    .command('plan')
    .description('Print the weight timeline of a request (same flags as start) without calling AWS.')
    .option('--json', 'print the plan as one JSON object')
    .option('--list', "list CodeDeploy's named configurations (strategy values) with their steps");
  addRequestOptions(plan);
  plan.addHelpText('after', HELP.plan).action((options) => {
    setExitCode(printPlan(options, { stdout: io.stdout, readFile: deps.readFile }));
  });

  const signalHelp: Record<(typeof SIGNAL_ACTIONS)[number], string> = {
    promote: 'Check the alarms once more, then go to 100% now (--full skips the bake there too).',
    pause: 'Hold the current weight past the step’s end until resume; alarms are still watched.',
    resume: 'Go on after a pause, or answer a pause step.',
    abort: 'Roll back now; the deployment fails DeploymentAborted naming who and why.',
  };
  for (const action of SIGNAL_ACTIONS) {
    const command = program
      .command(action)
      .description(signalHelp[action])
      .argument(
        '<alias-or-execution-arn>',
        'the alias being deployed, or the deployer execution that started it',
      )
      .option('--reason <text>', 'why: recorded with the signal and your IAM identity')
      .option('--json', 'print the result as one JSON object');
    if (action === 'promote') command.option('--full', 'skip the remaining bake at 100% too');
    addDeployerOptions(command);
    addAwsOptions(command);
    command.addHelpText('after', HELP.signal).action(async (target: string, options) => {
      setExitCode(
        await sendSignal(action, target, options, {
          clients: deps.createClients(options, deps.env),
          io,
          env: deps.env,
        }),
      );
    });
  }

  const list = program
    .command('list')
    .description('The deployments running now: alias, versions, weight and step, and the execution to steer.')
    .option('--json', 'print one JSON object per deployment');
  addDeployerOptions(list);
  addAwsOptions(list);
  list.action(async (options) => {
    setExitCode(
      await listDeployments(options, { clients: deps.createClients(options, deps.env), io, env: deps.env }),
    );
  });

  const history = program
    .command('history')
    .description(
      "An alias's deployments, newest first: versions, outcome and cause, who steered them, verdicts.",
    )
    .argument('<alias-arn>', 'the alias: arn:aws:states:<region>:<account>:stateMachine:<name>:<alias>')
    .option('--limit <n>', 'how many, 1 to 100', '10')
    .option('--json', 'print one JSON object per deployment');
  addDeployerOptions(history);
  addAwsOptions(history);
  history.action(async (aliasArn: string, options) => {
    setExitCode(
      await showHistory(aliasArn, options, {
        clients: deps.createClients(options, deps.env),
        io,
        env: deps.env,
      }),
    );
  });

  program
    .command('local')
    .description('Start the local cloud: Step Functions and CloudWatch on loopback (same as npm run local).')
    .argument('[args...]', 'passed to the local cloud')
    .allowUnknownOption()
    .addHelpText('after', HELP.local)
    .action(async (args: string[]) => {
      setExitCode(await runLocal(args, { stderr: io.stderr, load: deps.loadModule }));
    });

  for (const command of [program, ...program.commands]) refuseFlagsAsValues(command);
  return program;
}

/**
 * Every option that takes a value refuses one that looks like a flag, and an
 * empty one. Commander takes the word after `--alarms` as its value whatever
 * it is, so `--alarms --endpoint-url http://…` (a list a CI variable left
 * empty) would watch an alarm named `--endpoint-url` and call real AWS.
 */
function refuseFlagsAsValues(command: Command): void {
  for (const option of command.options as Option[]) {
    if (!option.required && !option.optional) continue;
    option.argParser((value: string, previous: unknown) => {
      const problem = flagValueProblem(value);
      if (problem) throw new InvalidArgumentError(problem);
      if (!option.variadic) return value;
      return Array.isArray(previous) && previous !== option.defaultValue ? [...previous, value] : [value];
    });
  }
}

/** Why an option's value is refused, or undefined: a flag (`--x`, `-x`) or an empty string. Negative numbers pass. */
export function flagValueProblem(value: string): string | undefined {
  if (value.trim() === '') return 'It is empty; give a value, or leave the option out.';
  if (/^-(-|[A-Za-z])/.test(value)) {
    return `It looks like a flag: a value is missing before it (if the value really starts with '-', this command does not accept it).`;
  }
  return undefined;
}

/** `sfndeploy.py`'s flags, plus the request fields it lacks and `--request` for a whole request file. */
function addRequestOptions(command: Command): void {
  command
    .option('--request <file>', 'a deploy request JSON file; flags override its fields')
    .option('--state-machine <name-or-arn>', 'the state machine to deploy (name or unqualified ARN)')
    .option('--alias <name>', 'the alias to shift')
    .option(
      '--strategy <strategy>',
      'canary, linear or allAtOnce (also allatonce), or a CodeDeploy configuration (plan --list); default allAtOnce',
    )
    .option(
      '--steps <json>',
      'custom steps as a JSON list, instead of --strategy, --increment and --interval',
    )
    .option('--increment <percent>', 'percent per step, 1-100; default 5')
    .option('--interval <seconds>', 'seconds each step holds while alarms are watched; default 120')
    .option('--alarms <names...>', 'CloudWatch alarm names (metric or composite) to watch')
    .option('--alarm-polling <seconds>', 'seconds between alarm checks; default 60')
    .option('--file <definition.asl.json>', 'upload this definition as the new revision, then publish it')
    .option('--publish-revision', 'publish the latest revision as the next version')
    .option('--no-publish-revision', 'deploy an existing version (default)')
    .option('--version <number-or-arn>', 'deploy this existing version; default the newest')
    .option(
      '--history-max <count>',
      'after a promotion keep this many newest versions; 0 never prunes (default)',
    )
    .option('--force', 'take over an alias left split by an earlier deployment')
    .option('--no-force', 'refuse a split alias (default)')
    .option(
      '--ignore-alarms-already-firing',
      'start even if an alarm is in ALARM; count only new transitions',
    )
    .option('--fail-on-insufficient-data', 'treat INSUFFICIENT_DATA as failing');
}

function addFollowOptions(command: Command): void {
  command
    .option('--refresh <seconds>', 'seconds between polls while following', '2')
    .option('--json', 'JSON lines: every line of output is one JSON object');
}

/** How a command finds the deployer: `--deployer`, else the stack's output (cli/deployer.ts). */
function addDeployerOptions(command: Command): void {
  command
    .option(
      '--deployer <arn>',
      `the deployer state machine (default: $${DEPLOYER_ENV}, else the DeployerArn output of the stack)`,
    )
    .option('--stack-name <name>', 'stack whose DeployerArn output names the deployer', DEFAULT_STACK_NAME);
}

function addAwsOptions(command: Command): void {
  command
    .option(
      '--region <region>',
      'AWS region (default: AWS_REGION, else AWS_DEFAULT_REGION, else the profile)',
    )
    .option('--profile <profile>', 'named profile from the shared AWS config files')
    .option(
      '--endpoint-url <url>',
      'send requests to this endpoint, e.g. the local cloud (also AWS_ENDPOINT_URL)',
    );
}
