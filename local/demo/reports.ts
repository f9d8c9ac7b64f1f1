/**
 * The demo's deployment reports: one HTML page per deployment, written by
 * the same code as `sfn-deploy report`, under a fixed folder so the paths
 * `npm start` prints are the same every run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { reportModel } from '../../cli/commands/report';
import { renderReportHtml } from '../../cli/report/render-html';
import { type LocalDeployer, localClientConfig } from '../deployer';
import type { DeploymentReport } from './scenario';

/** Where `npm start` writes its reports unless `--report-dir` says otherwise (gitignored). */
export const DEFAULT_REPORT_DIR = 'sfn-deployer-reports';

/** Writes `<dir>/<title>.html` for each deployment and returns the paths, as given (relative stays relative). */
export async function writeDemoReports(
  deployer: LocalDeployer,
  deployments: DeploymentReport[],
  dir: string,
): Promise<string[]> {
  const config = localClientConfig(deployer.endpoint, deployer.cloud.region);
  const clients = {
    sfn: new SFNClient(config),
    cloudWatch: new CloudWatchClient(config),
    serviceNow: () => new Date(deployer.cloud.clock.now()),
  };
  // The clock stands still while the reports are read: none of what they show changes meanwhile.
  const hold = deployer.cloud.clock.hold();
  try {
    fs.mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    for (const deployment of deployments) {
      const file = path.join(dir, `${deployment.title.replaceAll(' ', '-')}.html`);
      fs.writeFileSync(file, renderReportHtml(await reportModel(deployment.executionArn, clients)));
      written.push(file);
    }
    return written;
  } finally {
    hold.release();
    clients.sfn.destroy();
    clients.cloudWatch.destroy();
  }
}
