/** cli/decisions/window.ts: `--since` and `--until` of `decisions`. */
import { describe, expect, it } from 'vitest';
import { describeWindow, parseTime, parseWindow } from '../../cli/decisions/window.js';
import { UsageError } from '../../cli/errors.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe('parseTime', () => {
  it.each([
    ['90s', ago(90_000)],
    ['90m', ago(90 * 60_000)],
    ['24h', ago(24 * 3_600_000)],
    ['7d', ago(7 * 86_400_000)],
    ['2w', ago(14 * 86_400_000)],
    [' 24h ', ago(24 * 3_600_000)],
    ['2026-11-01', new Date('2026-11-01T00:00:00Z')],
    ['2026-11-01T08:30', new Date('2026-11-01T08:30:00Z')],
    ['2026-11-01 08:30:15', new Date('2026-11-01T08:30:15Z')],
    ['2026-11-01T08:30:15.250Z', new Date('2026-11-01T08:30:15.250Z')],
    ['2026-11-01T08:30:00+02:00', new Date('2026-11-01T06:30:00Z')],
    ['2026-11-01T08:30:00-0500', new Date('2026-11-01T13:30:00Z')],
  ])('reads %j', (value, expected) => {
    // Act
    const time = parseTime('since', value, NOW);

    // Assess
    expect(time).toEqual(expected);
  });

  it.each(['', 'yesterday', '24', '24 hours', '1y', '-3h', '0h', '2026-13-01', '2026-11-01T25:00', '1714557600'])(
    'refuses %j, naming the option and the forms it takes',
    (value) => {
      // Act, Assess
      expect(() => parseTime('until', value, NOW)).toThrow(UsageError);
      expect(() => parseTime('until', value, NOW)).toThrow(/^--until must be /);
    },
  );
});

describe('parseWindow', () => {
  it('is the last 24 hours up to now by default', () => {
    // Act
    const window = parseWindow(undefined, undefined, NOW);

    // Assess
    expect(window).toEqual({ since: ago(24 * 3_600_000), until: NOW });
  });

  it('takes both ends, each relative to now or a time', () => {
    // Act
    const window = parseWindow('7d', '2026-11-27', NOW);

    // Assess
    expect(window).toEqual({ since: ago(7 * 86_400_000), until: new Date('2026-11-27T00:00:00Z') });
  });

  it.each([
    [
      'an empty window',
      '1h',
      '2h',
      /^--since \(2026-11-28T11:00:00.000Z\) must be before --until \(2026-11-28T10:00:00.000Z\)$/,
    ],
    ['a start after the end', '2026-11-20', '2026-11-10', /must be before --until/],
    ['a start in the future', '2026-12-01', '2026-12-02', /^--since \(2026-12-01T00:00:00.000Z\) is in the future/],
  ])('refuses %s', (_what, since, until, message) => {
    // Act, Assess
    expect(() => parseWindow(since, until, NOW)).toThrow(message);
  });
});

describe('describeWindow', () => {
  it('gives both ends to the second, in UTC', () => {
    // Act
    const text = describeWindow({ since: new Date('2026-11-27T12:00:00.400Z'), until: NOW });

    // Assess
    expect(text).toBe('2026-11-27 12:00:00Z → 2026-11-28 12:00:00Z');
  });
});
