import {
  allTo,
  describeRouting,
  readAlias,
  routingFor,
  sameRouting,
  versionLabel,
  versionNumber,
} from '../../lambda/shared/routing';
import { entry, version } from './fixtures';

describe('readAlias', () => {
  const target = version(5);

  it('reads an alias routed wholly to another version as a normal start from it', () => {
    expect(readAlias([entry(version(4), 100)], target)).toEqual({
      kind: 'single',
      originVersionArn: version(4),
    });
  });

  it('reads an alias routed wholly to the target as nothing to do', () => {
    expect(readAlias([entry(target, 100)], target)).toEqual({ kind: 'on-target' });
  });

  it('does not read [old: 0%, new: 100%] as a split', () => {
    expect(readAlias([entry(version(4), 0), entry(target, 100)], target)).toEqual({ kind: 'on-target' });
    expect(readAlias([entry(target, 0), entry(version(4), 100)], target)).toEqual({
      kind: 'single',
      originVersionArn: version(4),
    });
  });

  it('reads a split that includes the target with the other entry as origin and the target weight', () => {
    expect(readAlias([entry(target, 30), entry(version(4), 70)], target)).toEqual({
      kind: 'split',
      originVersionArn: version(4),
      targetWeight: 30,
    });
  });

  it('takes the heavier entry as origin when the split does not include the target', () => {
    expect(readAlias([entry(version(3), 40), entry(version(4), 60)], target)).toEqual({
      kind: 'split',
      originVersionArn: version(4),
      targetWeight: 0,
    });
  });

  it('takes the older version as origin when a split without the target is even', () => {
    expect(readAlias([entry(version(4), 50), entry(version(3), 50)], target)).toEqual({
      kind: 'split',
      originVersionArn: version(3),
      targetWeight: 0,
    });
  });
});

describe('sameRouting', () => {
  it('ignores the order of the entries', () => {
    expect(
      sameRouting(
        [entry(version(3), 10), entry(version(2), 90)],
        [entry(version(2), 90), entry(version(3), 10)],
      ),
    ).toBe(true);
  });

  it('ignores entries at 0%', () => {
    expect(sameRouting([entry(version(2), 0), entry(version(3), 100)], [entry(version(3), 100)])).toBe(true);
  });

  it('tells routings with different weights apart', () => {
    expect(
      sameRouting(
        [entry(version(3), 10), entry(version(2), 90)],
        [entry(version(3), 20), entry(version(2), 80)],
      ),
    ).toBe(false);
  });

  it('tells routings to different versions apart', () => {
    expect(sameRouting([entry(version(3), 100)], [entry(version(4), 100)])).toBe(false);
  });
});

describe('routingFor', () => {
  it('gives the target its weight and the origin the rest', () => {
    expect(routingFor(version(3), version(2), 10)).toEqual([entry(version(3), 10), entry(version(2), 90)]);
  });

  it('writes a single entry for the target at 100%', () => {
    expect(routingFor(version(3), version(2), 100)).toEqual([entry(version(3), 100)]);
  });

  it('writes a single entry for the origin at 0%', () => {
    expect(routingFor(version(3), version(2), 0)).toEqual([entry(version(2), 100)]);
  });

  it('sends everything to one version with allTo', () => {
    expect(allTo(version(2))).toEqual([entry(version(2), 100)]);
  });
});

describe('routing labels', () => {
  it('describes a routing with short version labels', () => {
    expect(describeRouting([entry(version(2), 90), entry(version(3), 10)])).toBe(
      '[orders:2 = 90%, orders:3 = 10%]',
    );
  });

  it('labels and numbers a version ARN', () => {
    expect(versionLabel(version(12))).toBe('orders:12');
    expect(versionNumber(version(12))).toBe(12);
    expect(versionNumber('arn:aws:states:us-east-1:123456789012:stateMachine:orders:live')).toBeUndefined();
  });
});
