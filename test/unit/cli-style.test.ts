/** cli/style.ts: colour on a terminal only, NO_COLOR and FORCE_COLOR as node:util's styleText reads them. */
import { describe, expect, it } from 'vitest';
import { createStyle, shouldColor } from '../../cli/style.js';

describe('shouldColor', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, { FORCE_COLOR: '1' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { TERM: 'dumb' }, false],
  ])('isTTY %s with %j colours: %s', (isTTY, env, expected) => {
    // Prepare: stream and environment. Act
    const result = shouldColor({ isTTY }, env);

    // Assess
    expect(result).toBe(expected);
  });

  it('styles only when enabled', () => {
    // Prepare
    const on = createStyle(true);
    const off = createStyle(false);

    // Act
    const texts = [on.red('x'), off.red('x')];

    // Assess
    expect(texts).toEqual(['\u001b[31mx\u001b[39m', 'x']);
  });
});
