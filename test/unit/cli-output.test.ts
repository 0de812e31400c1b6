/** cli/output.ts: what every command's output shares. */
import { describe, expect, it } from 'vitest';
import { headerLine, progressLine } from '../../cli/output.js';
import { createStyle } from '../../cli/style.js';

describe('output', () => {
  it('heads a report with the account, the region and the profile', () => {
    // Prepare
    const identity = { command: 'doctor', account: '123456789012', region: 'us-east-1', profile: 'p', caller: 'x' };

    // Act
    const line = headerLine(createStyle(false), 'auto-instance-profile', identity, ['stack S']);

    // Assess
    expect(line).toBe('auto-instance-profile doctor  account 123456789012 · region us-east-1 · profile p · stack S\n');
  });

  it('draws a progress line on a terminal only', () => {
    // Prepare
    let tty = '';
    let piped = '';
    const onTty = progressLine({ write: (text: string) => (tty += text), isTTY: true });
    const onPipe = progressLine({ write: (text: string) => (piped += text), isTTY: false });

    // Act
    for (const line of [onTty, onPipe]) {
      line.update('waiting 1 s');
      line.done();
    }

    // Assess
    expect(tty).toBe('\r\u001b[2Kwaiting 1 s\r\u001b[2K');
    expect(piped).toBe('');
  });
});
