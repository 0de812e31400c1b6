/**
 * infra/context.ts and infra/props.ts, row by row of core/settings.ts: every prop of both stacks, read from CDK
 * context as `-c` passes it (text) and as cdk.json holds it (JSON), and checked as a prop. A value is refused with
 * one line that names what the user typed: the context key, or the prop.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { OU_SETTINGS_KEY } from '../../core/ou-settings.js';
import { contextKey, type SettingName, type SettingRow } from '../../core/settings.js';
import { APP_CONTEXT_KEYS, organizationPropsFromContext, propsFromContext } from '../../infra/context.js';
import { InvalidSettingError, type PropsStack, propRows, resolveStackProps } from '../../infra/props.js';
import { EXAMPLES, ROWS_NEEDING_EXAMPLES, refusal, samplesOf } from '../support/setting-samples.js';

const STACKS: readonly PropsStack[] = ['service', 'organization'];

/** Each prop of both stacks, with its stack and its context key. */
const PROPS = STACKS.flatMap((stack) =>
  propRows(stack).map(([name, row]) => [`${stack} ${name}`, stack, name, row, contextKey(name, row)] as const),
);

function fromContext(stack: PropsStack, context: Record<string, unknown>): Record<string, unknown> {
  const scope = new Stack(new App({ context }), 'Stack');
  return stack === 'service' ? propsFromContext(scope) : organizationPropsFromContext(scope);
}

/** Prop values the prop's check refuses, as a TypeScript (or JavaScript) caller would give them. */
function invalidProps(name: SettingName, row: SettingRow): readonly unknown[] {
  const example = EXAMPLES[name]?.invalid;
  switch (row.kind) {
    case 'boolean':
      return ['true', 1];
    case 'whole':
      return [row.min - 1, row.max + 1, 2.5, Number.NaN];
    case 'duration': {
      const unit = row.unit === 'seconds' ? Duration.seconds : Duration.days;
      const fraction = row.unit === 'seconds' ? Duration.millis(1500) : Duration.hours(36);
      return [
        ...(row.min > 0 ? [unit(row.min - 1)] : []),
        ...(row.max === undefined ? [] : [unit(row.max + 1)]),
        fraction,
      ];
    }
    case 'oneOf':
      // A prop is typed, so exact: only text is read in any case.
      return ['nope', ...row.values.map((value) => value.toLowerCase()).filter((value) => !row.values.includes(value))];
    case 'list':
      return [[(example ?? '').split(',').at(-1)?.trim()], ...(row.nonEmpty === undefined ? [] : [[]])];
    case 'retention':
      return [2, 91];
    case 'schedule':
      return ['daily', ScheduleExpression.expression('daily'), ScheduleExpression.expression(example ?? '')];
    case 'text':
      return [example];
    case 'topic':
      return [];
  }
}

describe('the samples', () => {
  it('give every setting a pattern decides an example of each kind', () => {
    // Assess
    expect(ROWS_NEEDING_EXAMPLES.filter((name) => EXAMPLES[name] === undefined)).toEqual([]);
  });

  it('cover every context key the app reads, but the settings per OU (test/infra/org-ou-settings.test.ts)', () => {
    // Assess
    expect([...PROPS.map(([, , , , key]) => key), OU_SETTINGS_KEY]).toEqual(APP_CONTEXT_KEYS);
  });
});

describe.each(PROPS)('%s', (_, stack, name, row, key) => {
  const samples = samplesOf(name, row);

  it.each(samples.valid)(`takes -c ${key}=%j, as its prop takes it`, (text) => {
    // Act
    const props = fromContext(stack, { [key]: text });

    // Assess
    expect(props[name]).toBeDefined();
    expect(() => resolveStackProps(stack, props)).not.toThrow();
  });

  it.each(samples.invalid)(`refuses -c ${key}=%j, naming the key and the value as typed`, (text, named) => {
    // Act
    const act = () => fromContext(stack, { [key]: text });

    // Assess
    expect(act).toThrow(InvalidSettingError);
    expect(act).toThrow(refusal(`Context value ${key}`, named));
  });

  it.each(invalidProps(name, row).map((value) => [value]))(`refuses the prop ${name} %o, naming the prop`, (value) => {
    // Act
    const act = () => resolveStackProps(stack, { [name]: value });

    // Assess
    expect(act).toThrow(InvalidSettingError);
    expect(act).toThrow(new RegExp(`^${name} (entries )?must .+, got .+$`));
  });
});

describe('context values from cdk.json keep their JSON type', () => {
  it.each(PROPS.filter(([, , , row]) => row.kind === 'whole' || row.kind === 'boolean'))(
    '%s',
    (_, stack, name, row, key) => {
      // Prepare
      const [valid, invalid] = row.kind === 'whole' ? [row.max, row.max + 0.5] : [true, 1];

      // Act
      const props = fromContext(stack, { [key]: valid });
      const act = () => fromContext(stack, { [key]: invalid });

      // Assess
      expect(props[name]).toBe(valid);
      expect(act).toThrow(`Context value ${key} must be ${row.kind === 'whole' ? 'a whole number' : 'true or false'}`);
      expect(act).toThrow(new RegExp(`, got ${invalid}$`));
    },
  );

  it.each(PROPS.filter(([, , , row]) => row.kind === 'list'))('%s, as a JSON array', (_, stack, name, __, key) => {
    // Prepare
    const entries = (EXAMPLES[name]?.valid ?? '').split(',').map((entry) => entry.trim());

    // Act
    const props = fromContext(stack, { [key]: entries });

    // Assess
    expect(props[name]).toEqual(entries);
  });
});

describe('one reading of booleans and one-of values', () => {
  it.each([
    ['dryRun', 'TRUE', true],
    ['createTrail', ' False ', false],
    ['logLevel', 'debug', 'DEBUG'],
    ['unknownCreator', 'Skip', 'skip'],
  ])('takes -c %s=%j as the environment would: %j', (key, text, value) => {
    // Act
    const props = fromContext('service', { [key]: text });

    // Assess
    expect(props[key]).toBe(value);
  });
});
