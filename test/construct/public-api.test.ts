/**
 * The library's public types are jsii types (enums, structs, classes with
 * static factories) standing for the deploy request's JSON: these tests keep
 * the two in step, so the request's schema stays the one validation.
 */
import { Duration } from 'aws-cdk-lib';
import { STRATEGY_NAMES } from '../../lambda/shared/plan';
import { parseDeployRequest } from '../../lambda/shared/request';
import { DeploymentStep, DeploymentStrategy, InsufficientTrafficAction, PauseTimeoutAction } from '../../lib';

const BASE = {
  stateMachine: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders',
  alias: 'live',
};

describe('the public API', () => {
  it('names every strategy the deploy request takes, and no other', () => {
    expect(Object.values(DeploymentStrategy).sort()).toEqual([...STRATEGY_NAMES].sort());
  });

  it('gives enum values the deploy request accepts', () => {
    for (const strategy of Object.values(DeploymentStrategy)) {
      expect(() => parseDeployRequest({ ...BASE, strategy })).not.toThrow();
    }
    for (const onInsufficientTraffic of Object.values(InsufficientTrafficAction)) {
      expect(() =>
        parseDeployRequest({
          ...BASE,
          analysis: { minExecutions: 10, maxHoldSeconds: 600, onInsufficientTraffic },
        }),
      ).not.toThrow();
    }
    for (const onTimeout of Object.values(PauseTimeoutAction)) {
      const steps = [DeploymentStep.pause({ timeout: Duration.hours(1), onTimeout }).toJson()];
      expect(() => parseDeployRequest({ ...BASE, steps })).not.toThrow();
    }
  });

  it('writes steps as the deploy request has them', () => {
    expect(DeploymentStep.shift(25, Duration.minutes(10)).toJson()).toEqual({ weight: 25, holdSeconds: 600 });
    expect(DeploymentStep.pause().toJson()).toEqual({ pause: true });
    expect(
      DeploymentStep.pause({ timeout: Duration.days(1), onTimeout: PauseTimeoutAction.CONTINUE }).toJson(),
    ).toEqual({ pause: true, timeoutSeconds: 86400, onTimeout: 'continue' });
  });

  it('refuses a pause whose onTimeout has no timeout, as the request does', () => {
    expect(() => DeploymentStep.pause({ onTimeout: PauseTimeoutAction.CONTINUE })).toThrow(
      'DeploymentStep.pause: onTimeout needs a timeout, got: onTimeout without timeout',
    );
  });
});
