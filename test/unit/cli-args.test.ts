/** cli/args.ts: strict parsing in our own words, and the help text's layout. */
import { describe, expect, it } from 'vitest';
import { formatRows, parseCommandLine } from '../../cli/args.js';
import { UsageError } from '../../cli/errors.js';

describe('parseCommandLine', () => {
  const options = { name: { type: 'string' }, all: { type: 'boolean', short: 'a' } } as const;

  it('reads inline values, short flags and the positionals a command allows', () => {
    // Prepare: a command line. Act
    const parsed = parseCommandLine(['--name=x', '-a', 'ROLE'], options, { positionals: 1 });

    // Assess
    expect(parsed.values).toEqual({ name: 'x', all: true });
    expect(parsed.positionals).toEqual(['ROLE']);
  });

  it('rejects one positional too many', () => {
    // Prepare: two positionals where one is allowed. Act
    const parse = () => parseCommandLine(['A', 'B'], options, { positionals: 1 });

    // Assess
    expect(parse).toThrow(new UsageError('unexpected argument "B"'));
  });
});

describe('formatRows', () => {
  it('pads the left column to its widest entry', () => {
    // Prepare: rows. Act
    const text = formatRows([
      ['0', 'good'],
      ['255', 'no credentials'],
    ]);

    // Assess
    expect(text).toBe('  0    good\n  255  no credentials');
  });
});
