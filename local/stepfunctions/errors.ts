import { AwsServiceError } from '../wire/aws-error';

/** Step Functions' error shapes, with the messages AWS sends where they are known. */

export const invalidArn = (detail: string) => new AwsServiceError('InvalidArn', `Invalid Arn: '${detail}'`);

export const invalidName = (name: string) => new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);

export const invalidToken = () => new AwsServiceError('InvalidToken', "Invalid Token: 'Invalid token'");

export const validation = (message: string, reason?: string) =>
  new AwsServiceError('ValidationException', message, 400, reason ? { reason } : {});

/** AWS's wording for a member that breaks a model constraint. */
export const constraint = (value: unknown, member: string, rule: string) =>
  validation(
    `1 validation error detected: Value ${value === null ? 'null' : `'${String(value)}'`} at '${member}' failed to satisfy constraint: ${rule}`,
  );

/** The same for a sensitive member (input, cause…): AWS does not echo its value. */
export const sensitiveConstraint = (member: string, rule: string) =>
  validation(`1 validation error detected: Value at '${member}' failed to satisfy constraint: ${rule}`);

export const stateMachineDoesNotExist = (arn: string) =>
  new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);

export const stateMachineAlreadyExists = (arn: string) =>
  new AwsServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);

export const executionDoesNotExist = (arn: string) =>
  new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);

export const executionAlreadyExists = (arn: string) =>
  new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);

export const resourceNotFound = (resourceName: string) =>
  new AwsServiceError('ResourceNotFound', 'Request references a resource that does not exist.', 400, {
    resourceName,
  });

export const conflict = (message: string) => new AwsServiceError('ConflictException', message, 409);

export const quotaExceeded = (message: string) =>
  new AwsServiceError('ServiceQuotaExceededException', message, 402);

export const invalidDefinition = (detail: string) =>
  new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: '${detail}'`);

export const invalidExecutionInput = (detail: string) =>
  new AwsServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${detail}'`);

export const missingRequiredParameter = (message: string) =>
  new AwsServiceError('MissingRequiredParameter', message);
