/**
 * The statistics behind the analysis. Expected p-values are scipy's
 * `scipy.stats.fisher_exact(table, alternative='greater')[1]` (scipy 1.17),
 * for the table [[new failed, new succeeded], [old failed, old succeeded]].
 */
import { type AnalysisSettings, fisherExactGreater, judge } from '../../lambda/shared/analysis';

const counts = (failed: number, finished: number) => ({ failed, finished });

const SETTINGS: AnalysisSettings = {
  confidence: 0.99,
  minExecutions: 0,
  maxHoldSeconds: 0,
  onInsufficientTraffic: 'rollBack',
  dryRun: false,
};

describe('Fisher’s exact test, one-sided', () => {
  it.each([
    ['3 of 30 against 1 of 300', counts(3, 30), counts(1, 300), 0.0025667904364171323],
    ['1 of 200 against 1 of 200', counts(1, 200), counts(1, 200), 0.7506265664160401],
    ['1 of 200 against 2 of 400', counts(1, 200), counts(2, 400), 0.7044460946616713],
    ['5 of 50 against 10 of 1000', counts(5, 50), counts(10, 1000), 0.0004192802670397744],
    ['0 of 10 against 5 of 10', counts(0, 10), counts(5, 10), 1.0],
  ])('gives scipy’s p-value for %s', (_, newCounts, oldCounts, expected) => {
    expect(fisherExactGreater(newCounts, oldCounts)).toBeCloseTo(expected, 12);
  });

  it.each([
    ['no executions of the new version', counts(0, 0), counts(1, 300)],
    ['no failures on either side', counts(0, 30), counts(0, 300)],
    ['every execution failing on both sides', counts(30, 30), counts(300, 300)],
    ['no executions at all', counts(0, 0), counts(0, 0)],
  ])('is 1 (no evidence) with %s', (_, newCounts, oldCounts) => {
    expect(fisherExactGreater(newCounts, oldCounts)).toBe(1);
  });

  it('finds a new version that fails every execution worse after a handful, with no old traffic at all', () => {
    // No baseline executions: only the ceiling can judge, the test has nothing to compare.
    expect(fisherExactGreater(counts(5, 5), counts(0, 0))).toBe(1);
    expect(fisherExactGreater(counts(5, 5), counts(0, 45))).toBeLessThan(1e-6);
  });
});

describe('the verdict', () => {
  it('rolls back on 3 failures in 30 against 1 in 300, saying why', () => {
    const verdict = judge(counts(3, 30), counts(1, 300), SETTINGS);

    expect(verdict.worse).toBe(true);
    expect(verdict.summary).toBe('new 3/30 failed · old 1/300 · p=0.0026 < 0.01 → roll back');
  });

  it('keeps one unlucky failure in 200 against a similar baseline', () => {
    const verdict = judge(counts(1, 200), counts(2, 400), SETTINGS);

    expect(verdict.worse).toBe(false);
    expect(verdict.summary).toBe('new 1/200 failed · old 2/400 · p=0.70 → healthy');
  });

  it('rolls back over maxFailureRate once minExecutions finished, even when the old version fails as often', () => {
    const settings = { ...SETTINGS, maxFailureRate: 0.05, minExecutions: 20 };

    expect(judge(counts(2, 10), counts(20, 100), settings).worse).toBe(false);
    const verdict = judge(counts(4, 20), counts(20, 100), settings);
    expect(verdict.worse).toBe(true);
    expect(verdict.summary).toBe(
      'new 4/20 failed · old 20/100 · failure rate 20% > maxFailureRate 5% → roll back',
    );
  });

  it('follows the confidence asked for', () => {
    expect(judge(counts(3, 30), counts(1, 300), { ...SETTINGS, confidence: 0.999 }).worse).toBe(false);
    expect(judge(counts(3, 30), counts(1, 300), { ...SETTINGS, confidence: 0.99 }).worse).toBe(true);
  });
});
