/**
 * The optional CloudWatch dashboard (`dashboard: true`, `-c dashboard=true`): each
 * target's `AWS/States` executions by version and by alias, the deployer's
 * outcomes and its failed deployments by error, as synthesized.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeployerContext } from '../../app/context';
import { DeployerStack } from '../../app/deployer-stack';
import { DeploymentDashboard, StateMachineDeployer } from '../../lib';
import { flatten, testApp } from '../support/deployer-template';
import { TEST_SCOPE } from '../support/synth';

const env = { account: TEST_SCOPE.account, region: TEST_SCOPE.region };
const ORDERS = `arn:aws:states:${env.region}:${env.account}:stateMachine:orders`;
const PAYMENTS = `arn:aws:states:${env.region}:${env.account}:stateMachine:payments`;

interface Widget {
  type: string;
  width: number;
  properties: {
    title?: string;
    markdown?: string;
    metrics?: (string | { expression?: string; label?: string; period?: number; stat?: string })[][];
  };
}

function newStack(): Stack {
  return new Stack(testApp(), 'Deployers', { env });
}

function target(stack: Stack, name: string): sfn.IStateMachine {
  return sfn.StateMachine.fromStateMachineName(stack, `Target-${name}`, name);
}

/** Each dashboard's widgets, its body parsed (references shown as `${LogicalId}`). */
function dashboards(template: Template): Widget[][] {
  return Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map(
    (resource) => (JSON.parse(flatten(resource.Properties.DashboardBody)) as { widgets: Widget[] }).widgets,
  );
}

/** The search expressions of the graph with this title, under the target heading `heading`. */
function searchesUnder(widgets: Widget[], heading: string, title: string): string[] {
  const start = widgets.findIndex((widget) => widget.properties.markdown === `### ${heading}`);
  const next = widgets.findIndex((widget, i) => i > start && widget.type === 'text');
  const graph = widgets
    .slice(start, next === -1 ? undefined : next)
    .find((widget) => widget.properties.title === title);
  if (start === -1 || !graph) throw new Error(`no graph "${title}" under "${heading}"`);
  return graph.properties.metrics!.flatMap((row) =>
    row.flatMap((item) => (typeof item === 'object' && item.expression ? [item.expression] : [])),
  );
}

describe('the deployment dashboard', () => {
  it('is not built by default: no dashboard, no metric filter', () => {
    const stack = newStack();

    new StateMachineDeployer(stack, 'Deployer', { targets: [target(stack, 'orders')] });

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
  });

  // Executions started through a version or an alias also count under the StateMachineArn + Version
  // dimensions, and through an alias under StateMachineArn + Alias.
  // https://docs.aws.amazon.com/step-functions/latest/dg/execution-alias-version-associate.html
  it("graphs each target's executions by version, every outcome, matching its ARN exactly", () => {
    const stack = newStack();

    new StateMachineDeployer(stack, 'Deployer', {
      targets: [target(stack, 'orders'), target(stack, 'payments')],
      dashboard: true,
    });

    const [widgets, ...others] = dashboards(Template.fromStack(stack));
    expect(others).toEqual([]);
    for (const arn of [ORDERS, PAYMENTS]) {
      const name = arn.split(':').at(-1)!;
      const byVersion = (metric: string) =>
        `SEARCH('{AWS/States,StateMachineArn,Version} MetricName="${metric}" StateMachineArn="${arn}"', 'Sum', 60)`;
      expect(searchesUnder(widgets!, name, 'Started, by version')).toEqual([byVersion('ExecutionsStarted')]);
      expect(searchesUnder(widgets!, name, 'Succeeded, by version')).toEqual([
        byVersion('ExecutionsSucceeded'),
      ]);
      expect(searchesUnder(widgets!, name, 'Failed, by version')).toEqual([byVersion('ExecutionsFailed')]);
      expect(searchesUnder(widgets!, name, 'Timed out and aborted, by version')).toEqual([
        byVersion('ExecutionsTimedOut'),
        byVersion('ExecutionsAborted'),
      ]);
    }
  });

  it("graphs each target's executions by alias, each line named by its alias", () => {
    const stack = newStack();

    new StateMachineDeployer(stack, 'Deployer', { targets: [target(stack, 'orders')], dashboard: true });

    const [widgets] = dashboards(Template.fromStack(stack));
    expect(searchesUnder(widgets!, 'orders', 'Started, by alias')).toEqual([
      `SEARCH('{AWS/States,Alias,StateMachineArn} MetricName="ExecutionsStarted" StateMachineArn="${ORDERS}"', 'Sum', 60)`,
    ]);
    expect(searchesUnder(widgets!, 'orders', 'Failed, by alias')).toEqual([
      `SEARCH('{AWS/States,Alias,StateMachineArn} MetricName="ExecutionsFailed" StateMachineArn="${ORDERS}"', 'Sum', 60)`,
    ]);
    const labels = widgets!
      .filter((widget) => widget.properties.title?.endsWith('by alias'))
      .flatMap((widget) => widget.properties.metrics!.flat())
      .map((item) => (typeof item === 'object' ? item.label : undefined));
    expect(labels).toEqual(["alias ${PROP('Dim.Alias')}", "alias ${PROP('Dim.Alias')}"]);
  });

  it("graphs the deployer's own executions: started, succeeded, failed, timed out and stopped", () => {
    const stack = newStack();

    new StateMachineDeployer(stack, 'Deployer', { targets: [target(stack, 'orders')], dashboard: true });

    const template = Template.fromStack(stack);
    const deployerId = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    const graph = dashboards(template)[0]!.find((widget) => widget.properties.title === 'Deployments')!;
    expect(graph.properties.metrics!.map((row) => row.slice(0, 4))).toEqual(
      [
        'ExecutionsStarted',
        'ExecutionsSucceeded',
        'ExecutionsFailed',
        'ExecutionsTimedOut',
        'ExecutionsAborted',
      ].map((metric) => ['AWS/States', metric, 'StateMachineArn', `\${${deployerId}}`]),
    );
  });

  // A Step Functions log event is JSON with the history event's `type` and, for ExecutionFailed,
  // `details.error`. https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
  it("counts failed deployments by error from the deployer's log group, and graphs them", () => {
    const stack = newStack();

    const deployer = new StateMachineDeployer(stack, 'Deployer', {
      targets: [target(stack, 'orders')],
      stateMachineName: 'sfn-deployer',
      dashboard: true,
    });

    const template = Template.fromStack(stack);
    const logGroupId = Object.entries(template.findResources('AWS::Logs::LogGroup')).find(([, resource]) =>
      String(resource.Metadata?.['aws:cdk:path']).endsWith('/Deployer/StateMachineLogs/Resource'),
    )![0];
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logGroupId },
      FilterPattern: '{ $.type = "ExecutionFailed" }',
      MetricTransformations: [
        {
          MetricNamespace: 'SfnDeployer/sfn-deployer',
          MetricName: 'DeploymentsFailed',
          MetricValue: '1',
          Dimensions: [{ Key: 'Error', Value: '$.details.error' }],
          Unit: 'Count',
        },
      ],
    });
    const graph = dashboards(template)[0]!.find((widget) =>
      widget.properties.title?.startsWith('Failed deployments'),
    )!;
    expect(graph.properties.metrics).toEqual([
      [
        {
          expression: `SEARCH('{SfnDeployer/sfn-deployer,Error} MetricName="DeploymentsFailed"', 'Sum', 60)`,
          label: "${PROP('Dim.Error')}",
          period: 60,
        },
      ],
    ]);
    expect(deployer.dashboard?.failedDeploymentsFilter).toBeDefined();
  });

  it('adds a row for a target added later with addTarget()', () => {
    const stack = newStack();
    const deployer = new StateMachineDeployer(stack, 'Deployer', {
      targets: [target(stack, 'orders')],
      dashboard: true,
    });

    deployer.addTarget(target(stack, 'payments'));

    const [widgets] = dashboards(Template.fromStack(stack));
    expect(widgets!.map((widget) => widget.properties.markdown).filter(Boolean)).toEqual([
      `## Deployer ${deployer.stateMachineName}`,
      '### orders',
      '### payments',
    ]);
    expect(searchesUnder(widgets!, 'payments', 'Failed, by version')[0]).toContain(
      `StateMachineArn="${PAYMENTS}"`,
    );
  });

  it('matches a target named with a trailing * by the leading word of its name, and says so', () => {
    const stack = newStack();

    new StateMachineDeployer(stack, 'Deployer', { targets: [target(stack, 'orders*')], dashboard: true });

    const [widgets] = dashboards(Template.fromStack(stack));
    const heading = 'orders* (state machines whose ARN contains "orders")';
    expect(searchesUnder(widgets!, heading, 'Failed, by version')).toEqual([
      `SEARCH('{AWS/States,StateMachineArn,Version} MetricName="ExecutionsFailed" StateMachineArn=orders', 'Sum', 60)`,
    ]);
  });

  it('fails when a * target has no word to match before the *', () => {
    const stack = newStack();

    expect(
      () => new StateMachineDeployer(stack, 'Deployer', { targets: [target(stack, '-*')], dashboard: true }),
    ).toThrow('A dashboard target named with "*" must start with a letter, digit or underscore, got: -*');
  });

  it('sums over the period it is given, and fails on a period that is not whole minutes', () => {
    const stack = newStack();
    const deployer = new StateMachineDeployer(stack, 'Deployer', { targets: [target(stack, 'orders')] });

    new DeploymentDashboard(stack, 'Hourly', {
      deployer: deployer.stateMachine,
      deployerName: deployer.stateMachineName,
      targets: [target(stack, 'payments')],
      period: Duration.hours(1),
    });

    expect(
      searchesUnder(dashboards(Template.fromStack(stack))[0]!, 'payments', 'Started, by version'),
    ).toEqual([
      `SEARCH('{AWS/States,StateMachineArn,Version} MetricName="ExecutionsStarted" StateMachineArn="${PAYMENTS}"', 'Sum', 3600)`,
    ]);
    expect(
      () =>
        new DeploymentDashboard(stack, 'Odd', {
          deployer: deployer.stateMachine,
          deployerName: deployer.stateMachineName,
          period: Duration.seconds(90),
        }),
    ).toThrow(
      'period must be a whole number of minutes (AWS/States metrics are per minute), got: 1 minute 30 seconds',
    );
  });

  it('gives two deployers in one stack a dashboard each, with their own failed-deployments namespace', () => {
    const stack = newStack();

    new StateMachineDeployer(stack, 'OrdersDeployer', {
      targets: [target(stack, 'orders')],
      dashboard: true,
    });
    new StateMachineDeployer(stack, 'PaymentsDeployer', {
      targets: [target(stack, 'payments')],
      dashboard: true,
    });

    const template = Template.fromStack(stack);
    expect(dashboards(template)).toHaveLength(2);
    const namespaces = Object.values(template.findResources('AWS::Logs::MetricFilter')).map(
      (resource) => resource.Properties.MetricTransformations[0].MetricNamespace,
    );
    expect(new Set(namespaces).size).toBe(2);
  });

  it('is built by the CDK app with -c dashboard=true, and the context must be true or false', () => {
    const app = testApp({ targets: 'orders', dashboard: 'true' });

    const stack = new DeployerStack(app, 'SfnDeployer', { ...readDeployerContext(app.node), env });

    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(() => readDeployerContext(testApp({ targets: 'orders', dashboard: 'yes' }).node)).toThrow(
      'Context "dashboard" must be true or false, got: "yes"',
    );
  });

  it('leaves cdk-nag AWS Solutions checks with nothing unexplained', () => {
    const stack = new DeployerStack(testApp(), 'SfnDeployer', {
      targets: ['orders', 'payments'],
      dashboard: true,
      env,
    });

    const report = new AwsSolutionsChecks(stack, { verbose: true }).validateScope(stack);

    expect(
      report.violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
      ),
    ).toEqual([]);
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
