/** core/quota.ts: the instance profile quota headroom, one rule for the remediator and `doctor`, and the docs' one number. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeUsage, quotaThresholdReached } from '../../core/quota.js';
import { SETTINGS } from '../../core/settings.js';

describe('quotaThresholdReached', () => {
  it.each([
    [949, 1000, false],
    [950, 1000, true],
    [1000, 1000, true],
    [0, 0, true],
  ])('%i of %i: reached at the default share, %s', (used, quota, reached) => {
    // Act
    const result = quotaThresholdReached({ used, quota }, SETTINGS.instanceProfileQuotaPercent.default);

    // Assess
    expect(result).toBe(reached);
  });

  it('describes the usage as people read it', () => {
    // Assess
    expect(describeUsage({ used: 950, quota: 1000 })).toBe('950 of 1000 instance profiles in use (95%)');
  });
});

describe('the docs', () => {
  it("give the quota threshold as the code's SETTINGS.instanceProfileQuotaPercent.default, wherever they give it", () => {
    // Prepare
    const documents = ['README.md', ...readdirSync('docs').map((name) => `docs/${name}`)].filter((path) =>
      path.endsWith('.md'),
    );

    // Act: every share of the instance profile quota a document names
    const shares = documents.flatMap((path) =>
      [
        ...readFileSync(path, 'utf8')
          .replace(/\s+/g, ' ')
          .matchAll(/(\d+)% (?:or more )?of (?:its |the account's |the )?(?:quota|instance[ -]profile quota)/gi),
      ].map((match) => `${path}: ${match[1]}`),
    );

    // Assess
    expect(shares.length).toBeGreaterThanOrEqual(4);
    expect(shares.filter((share) => !share.endsWith(`: ${SETTINGS.instanceProfileQuotaPercent.default}`))).toEqual([]);
  });
});
