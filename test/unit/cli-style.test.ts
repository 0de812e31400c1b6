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

  it("styles with node:util's codes whatever the process's own stdout is: the command's environment decides", () => {
    // Prepare
    const on = createStyle(true);
    const off = createStyle(false);

    // Act
    const styled = [on.bold('b'), on.dim('d'), on.green('g'), on.yellow('y'), on.cyan('c'), on.magenta('m')];

    // Assess
    expect(styled).toEqual([
      '\u001b[1mb\u001b[22m',
      '\u001b[2md\u001b[22m',
      '\u001b[32mg\u001b[39m',
      '\u001b[33my\u001b[39m',
      '\u001b[36mc\u001b[39m',
      '\u001b[35mm\u001b[39m',
    ]);
    expect([off.bold('b'), off.magenta('m')]).toEqual(['b', 'm']);
    expect([on.enabled, off.enabled]).toEqual([true, false]);
  });
});
