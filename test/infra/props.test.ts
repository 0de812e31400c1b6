/**
 * Prop validation and the CDK-context form of the props: invalid values throw in the constructor
 * with a message naming the prop and what it allows.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { requirement } from '../../core/setting-kinds.js';
import { SETTINGS } from '../../core/settings.js';
import { AutoInstanceProfile } from '../../infra/auto-instance-profile.js';
import { propsFromContext, UnknownContextKeyError } from '../../infra/context.js';
import { type AutoInstanceProfileProps, InvalidSettingError, type LogLevel, resolveProps } from '../../infra/props.js';
import { CDK_JSON_CONTEXT } from './support/synth.js';

/** What reconcileSchedule allows as an expression, for the prop and its context key alike. */
const RECONCILE_SCHEDULE_REQUIREMENT = requirement(SETTINGS.reconcileSchedule);

function construct(props: AutoInstanceProfileProps): () => AutoInstanceProfile {
  return () => new AutoInstanceProfile(new Stack(new App(), 'Stack'), 'Service', props);
}

function contextOf(context: Record<string, unknown>): Stack {
  return new Stack(new App({ context }), 'Stack');
}

describe('invalid props throw in the constructor', () => {
  it.each([
    ['above 900 seconds', Duration.seconds(901)],
    ['a fraction of a second', Duration.millis(1500)],
    ['15 minutes and a second', Duration.seconds(15 * 60 + 1)],
  ])('settleDelay %s', (_, settleDelay) => {
    expect(construct({ settleDelay })).toThrow(/settleDelay must be a whole number of seconds from 0 to 900/);
  });

  it.each([0, 1, 1001, 2.5, Number.NaN])('maxConcurrency %s', (maxConcurrency) => {
    expect(construct({ maxConcurrency })).toThrow(/maxConcurrency must be a whole number from 2 to 1000/);
  });

  it.each([0, 11, 2.5, Number.NaN])('batchConcurrency %s', (batchConcurrency) => {
    expect(construct({ batchConcurrency })).toThrow(/batchConcurrency must be a whole number from 1 to 10/);
  });

  it.each(['debug', 'TRACE', ''])('logLevel "%s"', (logLevel) => {
    expect(construct({ logLevel: logLevel as LogLevel })).toThrow(
      `logLevel must be DEBUG, INFO, WARN or ERROR, got ${JSON.stringify(logLevel)}`,
    );
  });

  it.each([0, 2, 91, -1])('logRetention %s days', (days) => {
    expect(construct({ logRetention: days as RetentionDays })).toThrow(/logRetention must be one of the RetentionDays/);
  });

  it.each(['aws-service-role/', '', 'service-role'])(
    'an excludedPathPrefixes entry "%s" without a leading slash',
    (prefix) => {
      expect(construct({ excludedPathPrefixes: [prefix] })).toThrow(
        /excludedPathPrefixes entries must be paths that start with "\/"/,
      );
    },
  );

  it.each(['/a,b/', '/a b/'])('an excludedPathPrefixes entry "%s" with a comma or a space', (prefix) => {
    expect(construct({ excludedPathPrefixes: ['/ok/', prefix] })).toThrow(
      /excludedPathPrefixes entries must be paths .*without commas or whitespace, got "\/a.b\/"/,
    );
  });

  it('as an InvalidSettingError that names the prop, what it allows and the value', () => {
    // Act
    const error = (() => {
      try {
        construct({ maxConcurrency: 1 })();
      } catch (caught) {
        return caught;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(InvalidSettingError);
    expect(error).toMatchObject({ setting: 'maxConcurrency', got: '1' });
  });

  it.each([Duration.days(0), Duration.hours(36)])('trailRetention %s', (trailRetention) => {
    expect(construct({ trailRetention })).toThrow(/trailRetention must be a whole number of days, at least 1/);
  });

  it('an excludedPathPrefixes entry longer than an IAM path', () => {
    expect(construct({ excludedPathPrefixes: [`/${'a'.repeat(512)}`] })).toThrow(
      /at most 512 characters.*, got "\/a{512}"/,
    );
  });

  it('an unknownCreator other than remediate or skip', () => {
    expect(construct({ unknownCreator: 'ask' as never })).toThrow(
      /unknownCreator must be remediate or skip, got "ask"/,
    );
  });

  it.each(['', 'a,b', 'cloudformation.amazonaws.com '])('an ignoredCallers entry "%s"', (caller) => {
    expect(construct({ ignoredCallers: [caller] })).toThrow(
      /ignoredCallers entries must be services or principal ARN patterns, without commas or whitespace/,
    );
  });

  it.each([
    ['a string other than disabled', 'daily'],
    ['a duration', Duration.days(1)],
    ['false', false],
  ])('reconcileSchedule as %s', (_, reconcileSchedule) => {
    expect(construct({ reconcileSchedule: reconcileSchedule as never })).toThrow(
      /^reconcileSchedule must be a ScheduleExpression \(for example ScheduleExpression\.rate\(Duration\.days\(1\)\).*or 'disabled', got /,
    );
  });

  it.each(['every day', 'rate 1 day', '0 3 * * ? *'])('reconcileSchedule expression "%s"', (expression) => {
    expect(construct({ reconcileSchedule: ScheduleExpression.expression(expression) })).toThrow(
      `reconcileSchedule ${RECONCILE_SCHEDULE_REQUIREMENT}, got "${expression}"`,
    );
  });

  it.each([
    ScheduleExpression.rate(Duration.minutes(1)),
    ScheduleExpression.rate(Duration.minutes(59)),
    ScheduleExpression.expression('rate(30 minutes)'),
  ])('reconcileSchedule more often than hourly: %o', (reconcileSchedule) => {
    expect(construct({ reconcileSchedule })).toThrow(
      /^reconcileSchedule must be at most once an hour \(each pass reads all of IAM\), got "rate\(/,
    );
  });
});

describe('valid edge values are accepted', () => {
  it.each([
    { settleDelay: Duration.seconds(0) },
    { settleDelay: Duration.minutes(15) },
    { maxConcurrency: 2 },
    { maxConcurrency: 1000 },
    { logRetention: RetentionDays.INFINITE },
    { logRetention: RetentionDays.ONE_DAY },
    { excludedPathPrefixes: ['/'] },
    { reconcileSchedule: 'disabled' as const },
    { reconcileSchedule: ScheduleExpression.rate(Duration.hours(1)) },
    { reconcileSchedule: ScheduleExpression.expression('rate(60 minutes)') },
    { reconcileSchedule: ScheduleExpression.cron({ minute: '0', hour: '3' }) },
    { reconcileSchedule: ScheduleExpression.at(new Date('2030-01-01T00:00:00Z')) },
    { reconcileAfterDeploy: false },
  ])('%o', (props) => {
    expect(construct(props)).not.toThrow();
  });

  it('fills every default', () => {
    // Act
    const resolved = resolveProps();

    // Assess
    expect(resolved.settleDelay.toSeconds()).toBe(30);
    expect(resolved.logRetention).toBe(RetentionDays.THREE_MONTHS);
    expect(resolved.reconcileSchedule).not.toBe('disabled');
    expect((resolved.reconcileSchedule as ScheduleExpression).expressionString).toBe('rate(1 day)');
    expect(resolved.reconcileAfterDeploy).toBe(true);
  });
});

describe('props from CDK context', () => {
  it('is empty when no key is set, so every default applies', () => {
    const props = propsFromContext(contextOf({}));
    expect(Object.values(props).every((value) => value === undefined)).toBe(true);
  });

  it('converts the strings `cdk -c key=value` passes', () => {
    // Prepare
    const stack = contextOf({
      settleDelaySeconds: '60',
      maxConcurrency: '4',
      logRetentionDays: '365',
      dryRun: 'true',
      excludedPathPrefixes: '/aws-service-role/, /batch/',
      ignoredCallers: 'cloudformation.amazonaws.com',
      alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-alarms',
      createTrail: 'false',
      trailRetentionDays: '30',
      alarmOnConflicts: 'false',
      reconcileSchedule: 'cron(0 3 * * ? *)',
      reconcileAfterDeploy: 'false',
      unknownCreator: 'skip',
    });

    // Act
    const props = propsFromContext(stack);

    // Assess
    expect(props.settleDelay?.toSeconds()).toBe(60);
    expect(props).toMatchObject({
      maxConcurrency: 4,
      logRetention: RetentionDays.ONE_YEAR,
      dryRun: true,
      excludedPathPrefixes: ['/aws-service-role/', '/batch/'],
      ignoredCallers: ['cloudformation.amazonaws.com'],
      createTrail: false,
      alarmOnConflicts: false,
      reconcileAfterDeploy: false,
      unknownCreator: 'skip',
    });
    expect(props.trailRetention?.toDays()).toBe(30);
    expect((props.reconcileSchedule as ScheduleExpression).expressionString).toBe('cron(0 3 * * ? *)');
    expect(props.alarmTopic?.topicArn).toBe('arn:aws:sns:us-east-1:123456789012:ops-alarms');
  });

  it('takes the JSON types cdk.json holds, and "" as the empty list', () => {
    // Act
    const props = propsFromContext(
      contextOf({
        maxConcurrency: 3,
        dryRun: false,
        createTrail: true,
        excludedPathPrefixes: '',
        ignoredCallers: ['x.amazonaws.com'],
      }),
    );

    // Assess
    expect(props).toMatchObject({
      maxConcurrency: 3,
      dryRun: false,
      createTrail: true,
      excludedPathPrefixes: [],
      ignoredCallers: ['x.amazonaws.com'],
    });
  });

  it('takes reconcileSchedule=disabled or an expression, and names the context key for an invalid one', () => {
    // Act
    const disabled = propsFromContext(contextOf({ reconcileSchedule: 'disabled' }));
    const hourly = propsFromContext(contextOf({ reconcileSchedule: ' rate(1 hour) ' }));

    // Assess
    expect(disabled.reconcileSchedule).toBe('disabled');
    expect((hourly.reconcileSchedule as ScheduleExpression).expressionString).toBe('rate(1 hour)');
    expect(() => propsFromContext(contextOf({ reconcileSchedule: 'daily' }))).toThrow(
      `Context value reconcileSchedule ${RECONCILE_SCHEDULE_REQUIREMENT}, got "daily"`,
    );
  });

  it.each([
    [
      'reconcileSchedule',
      '',
      /^Context value reconcileSchedule must be 'disabled' or an EventBridge Scheduler expression/,
    ],
    [
      'reconcileSchedule',
      1,
      /^Context value reconcileSchedule must be 'disabled' or an EventBridge Scheduler expression/,
    ],
    [
      'reconcileSchedule',
      'rate(5 minutes)',
      /^Context value reconcileSchedule must be at most once an hour .*, got "rate\(5 minutes\)"$/,
    ],
    ['reconcileAfterDeploy', 'no', /^Context value reconcileAfterDeploy must be true or false, got "no"$/],
    [
      'settleDelaySeconds',
      'soon',
      /^Context value settleDelaySeconds must be a whole number of seconds .*, got "soon"$/,
    ],
    ['maxConcurrency', '', /maxConcurrency must be a whole number from 2 to 1000 .*, got ""/],
    ['maxConcurrency', '1e3', /maxConcurrency must be a whole number from 2 to 1000 .*, got "1e3"/],
    ['dryRun', 'yes', /dryRun must be true or false/],
    ['createTrail', 1, /createTrail must be true or false/],
    ['ignoredCallers', 42, /ignoredCallers must be a comma-separated list of services or principal ARN patterns/],
    ['alarmTopicArn', '', /alarmTopicArn must be an SNS topic ARN/],
    ['alarmTopicArn', 'ops-alarms', /alarmTopicArn must be an SNS topic ARN .*, got "ops-alarms"/],
  ])('rejects %s=%j, naming the key', (key, value, message) => {
    expect(() => propsFromContext(contextOf({ [key]: value }))).toThrow(message);
  });

  it.each([
    [
      'settleDelaySeconds',
      '901',
      /^Context value settleDelaySeconds must be a whole number of seconds from 0 to 900 .*, got "901"$/,
    ],
    [
      'settleDelaySeconds',
      '-1',
      /^Context value settleDelaySeconds must be a whole number of seconds from 0 to 900 .*, got "-1"$/,
    ],
    ['maxConcurrency', '1', /^Context value maxConcurrency must be a whole number from 2 to 1000 .*, got "1"$/],
    [
      'instanceProfileQuotaPercent',
      '101',
      /^Context value instanceProfileQuotaPercent must be a whole number from 1 to 100, got "101"$/,
    ],
    ['batchConcurrency', '11', /^Context value batchConcurrency must be a whole number from 1 to 10 .*, got "11"$/],
    ['logLevel', 'verbose', /^Context value logLevel must be DEBUG, INFO, WARN or ERROR, got "verbose"$/],
    ['logRetentionDays', 91, /^Context value logRetentionDays must be one of the RetentionDays values .*, got 91$/],
    [
      'excludedPathPrefixes',
      '/ok/,batch/',
      /^Context value excludedPathPrefixes entries must be paths that start with "\/".*, got "batch\/"$/,
    ],
  ])(
    'rejects %s=%j, which the construct would refuse, by the context key and the value as typed',
    (key, value, message) => {
      expect(() => propsFromContext(contextOf({ [key]: value }))).toThrow(message);
    },
  );

  it('refuses a key of ours that does not exist, listing the keys and the likely one', () => {
    // Act
    const act = () => propsFromContext(contextOf({ settleDelay: '60', maxconcurrency: '4', settleDelaySeconds: '5' }));

    // Assess
    expect(act).toThrow(UnknownContextKeyError);
    expect(act).toThrow(
      /^Unknown context keys settleDelay \(did you mean settleDelaySeconds\?\), maxconcurrency \(did you mean maxConcurrency\?\)\. The keys this app reads: dryRun, selection, excludedPathPrefixes, .*createTrail/,
    );
  });

  it("accepts the CDK's own keys: cdk.json's feature flags, the CLI's aws:cdk: keys and lookups", () => {
    // Prepare
    const context = {
      ...CDK_JSON_CONTEXT,
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:bundling-stacks': ['**'],
      'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a'],
      dryRun: 'true',
    };

    // Act
    const props = propsFromContext(contextOf(context));

    // Assess
    expect(props).toEqual({ dryRun: true });
  });
});
