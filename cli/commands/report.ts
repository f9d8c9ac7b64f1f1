/**
 * `sfn-deploy report <execution-arn> --html <file>`: one self-contained HTML
 * page of a deployment, read from the service (cli/report/).
 */
import { isExecutionArn } from '../../lambda/shared/arns';
import { checkAwsSetup } from '../aws';
import { EXIT, UsageError } from '../errors';
import type { AwsClients, Io } from '../io';
import { readDeployment } from '../report/read-deployment';
import { renderReportHtml } from '../report/render-html';
import { buildReportModel, type ReportModel } from '../report/report-model';

export interface ReportOptions {
  html?: string;
}

export interface ReportDeps {
  clients: Pick<AwsClients, 'sfn' | 'cloudWatch' | 'serviceNow'>;
  io: Io;
  writeFile: (path: string, text: string) => void;
}

export async function writeReport(
  executionArn: string,
  options: ReportOptions,
  deps: ReportDeps,
): Promise<number> {
  if (!isExecutionArn(executionArn)) {
    throw new UsageError(
      `report needs a deployer execution ARN (arn:aws:states:<region>:<account>:execution:<deployer>:<name>, as printed by start), got: ${JSON.stringify(executionArn)}`,
    );
  }
  if (!options.html) throw new UsageError('report needs --html <file>: where to write the page');
  await checkAwsSetup(deps.clients.sfn);
  const model = await reportModel(executionArn, deps.clients, deps.io.now);
  deps.writeFile(options.html, renderReportHtml(model));
  deps.io.stdout.write(`Wrote ${options.html}: ${model.title}\n`);
  return EXIT.OK;
}

/** The report of one deployment, read with the given clients; times from the service's clock when known. */
export async function reportModel(
  executionArn: string,
  clients: Pick<AwsClients, 'sfn' | 'cloudWatch' | 'serviceNow'>,
  machineNow: () => Date = () => new Date(),
): Promise<ReportModel> {
  const data = await readDeployment(executionArn, {
    sfn: clients.sfn,
    cloudWatch: clients.cloudWatch,
    now: clients.serviceNow ?? machineNow,
  });
  return buildReportModel(data);
}
