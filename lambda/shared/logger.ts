import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs; each handler appends the deployment (execution name) they belong to. */
export const logger = new Logger({ serviceName: 'sfn-deployer' });

/** Tags every log line of this invocation with the deployer execution it serves. */
export function logDeployment(executionArn: string | undefined): void {
  logger.resetKeys();
  if (executionArn) logger.appendKeys({ deployment: executionArn.split(':').at(-1), executionArn });
}
