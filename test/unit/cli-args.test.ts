/** cli/args.ts: strict parsing in our own words, and the help text's layout. */
import { describe, expect, it } from 'vitest';
import { formatRows, likelyName, parseCommandLine, settingOption, wholeOption } from '../../cli/args.js';
import { UsageError } from '../../cli/errors.js';
import { loadConfig } from '../../core/config.js';
import { SETTINGS } from '../../core/settings.js';

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

describe('an unknown option', () => {
  const options = {
    json: { type: 'boolean' },
    'exclude-path': { type: 'string' },
    ou: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
  } as const;

  it.each([
    ['--jsn', 'unknown option --jsn (did you mean --json?)'],
    ['--JSON', 'unknown option --JSON (did you mean --json?)'],
    ['--josn', 'unknown option --josn (did you mean --json?)'],
    ['--exclude-pth=/x/', 'unknown option --exclude-pth (did you mean --exclude-path?)'],
    ['--excludepaths', 'unknown option --excludepaths (did you mean --exclude-path?)'],
    ['--yse', 'unknown option --yse (did you mean --yes?)'],
    ['--ox', 'unknown option --ox (did you mean --ou?)'],
    ['--jsonnnn', 'unknown option --jsonnnn'],
    ['--smoke', 'unknown option --smoke'],
    ['-j', 'unknown option -j'],
  ])('%s: "%s"', (typed, message) => {
    // Act
    const parse = () => parseCommandLine([typed], options);

    // Assess
    expect(parse).toThrow(new UsageError(message));
  });
});

describe('likelyName', () => {
  it('offers a name at most two edits away, and within a third of what was typed', () => {
    // Act
    const offers = [
      likelyName('docter', ['doctor', 'scan']),
      likelyName('exclude-pat', ['exclude-path']),
      likelyName('exclud-pat', ['exclude-path']),
      likelyName('exclu-pa', ['exclude-path']),
      likelyName('ab', ['ou']),
    ];

    // Assess
    expect(offers).toEqual(['doctor', 'exclude-path', 'exclude-path', undefined, undefined]);
  });
});

describe('wholeOption', () => {
  const range = { kind: 'whole', min: 1, max: 64 } as const;

  it.each([
    ['8', 8],
    [' 64 ', 64],
    [undefined, undefined],
  ])('reads %j as settings are read: %j', (text, value) => {
    expect(wholeOption('concurrency', text, range)).toBe(value);
  });

  it.each(['0', '65', '2.5', '1e1', '-1', ''])('refuses %j, naming the option and the value as typed', (text) => {
    expect(() => wholeOption('concurrency', text, range)).toThrow(
      new UsageError(`--concurrency must be a whole number from 1 to 64, not ${JSON.stringify(text)}`),
    );
  });

  it('says the unit of a duration', () => {
    expect(() => wholeOption('timeout', '0', { kind: 'duration', unit: 'seconds', min: 1, max: 3600 })).toThrow(
      '--timeout must be a whole number of seconds from 1 to 3600, not "0"',
    );
  });
});

describe('settingOption', () => {
  it.each([
    ['TRUE', 'DRY_RUN'],
    [' false ', 'DRY_RUN'],
  ])('reads %j as the variable %s reads it', (text, variable) => {
    // Act
    const option = settingOption('dry-run', text, SETTINGS.dryRun);

    // Assess
    expect(option).toBe(loadConfig({ [variable]: text }).dryRun);
  });

  it.each([
    ['delegated_admin', 'DELEGATED_ADMIN'],
    [' self ', 'SELF'],
  ])('reads --call-as %j as the setting callAs reads it: %j', (text, value) => {
    expect(settingOption('call-as', text, SETTINGS.callAs)).toBe(value);
  });

  it.each([
    ['call-as', 'ADMIN', SETTINGS.callAs, '--call-as must be SELF or DELEGATED_ADMIN, not "ADMIN"'],
    ['stack-set-name', 'my_set', SETTINGS.stackSetName, '--stack-set-name must be a name of letters'],
  ] as const)('refuses --%s %j with what the setting allows', (name, text, row, message) => {
    expect(() => settingOption(name, text, row)).toThrow(message);
  });
});
