/**
 * ValidateStateMachineDefinition, as AWS documents it: an invalid definition
 * is not an error but `result: FAIL` with one diagnostic per problem
 * (`severity`, `code`, `message`, `location` as a JSON pointer).
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinition.html
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinitionDiagnostic.html
 */
import { ValidateStateMachineDefinitionCommand } from '@aws-sdk/client-sfn';
import { failure, passDefinition, startCloud, type Fixture } from './cloud-fixture';

describe('ValidateStateMachineDefinition (conformance with AWS)', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startCloud();
  });
  afterEach(() => f.stop());

  const validate = (definition: unknown, type?: string) =>
    f.sfn.send(
      new ValidateStateMachineDefinitionCommand({
        definition: typeof definition === 'string' ? definition : JSON.stringify(definition),
        ...(type ? { type: type as 'STANDARD' } : {}),
      }),
    );

  it('answers OK with no diagnostics for a valid definition', async () => {
    const answer = await validate(passDefinition('v1'), 'STANDARD');

    expect(answer).toMatchObject({ result: 'OK', diagnostics: [], truncated: false });
  });

  it('answers FAIL with an ERROR diagnostic locating an unknown state type', async () => {
    const answer = await validate({ StartAt: 'A', States: { A: { Type: 'Bogus', End: true } } });

    expect(answer.result).toBe('FAIL');
    expect(answer.diagnostics).toEqual([
      expect.objectContaining({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', location: '/States/A' }),
    ]);
  });

  it('answers FAIL naming a missing transition target', async () => {
    const answer = await validate({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } });

    expect(answer.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'ERROR',
        code: 'MISSING_TRANSITION_TARGET',
        location: '/States/A',
      }),
    ]);
  });

  it('answers FAIL with INVALID_JSON_DESCRIPTION for text that is not JSON', async () => {
    const answer = await validate('{"StartAt": ');

    expect(answer.result).toBe('FAIL');
    expect(answer.diagnostics?.[0]).toMatchObject({ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION' });
  });

  it('fails with ValidationException when the definition is missing', async () => {
    const error = await failure(f.sfn.send(new ValidateStateMachineDefinitionCommand({} as never)));

    expect(error).toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null",
    });
  });
});
