/**
 * Prop validation and the CDK-context form of the props: invalid values throw in the constructor
 * with a message naming the prop and what it allows.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { AutoInstanceProfile } from '../../infra/auto-instance-profile.js';
import { propsFromContext } from '../../infra/context.js';
import { type AutoInstanceProfileProps, DEFAULT_PROPS, resolveProps } from '../../infra/props.js';

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

  it.each([0, 2, 91, -1])('logRetention %s days', (days) => {
    expect(construct({ logRetention: days as RetentionDays })).toThrow(/logRetention must be one of the RetentionDays/);
  });

  it.each(['aws-service-role/', '', 'service-role'])(
    'an excludedPathPrefixes entry "%s" without a leading slash',
    (prefix) => {
      expect(construct({ excludedPathPrefixes: [prefix] })).toThrow(
        /excludedPathPrefixes entries must start with "\/"/,
      );
    },
  );

  it.each(['/a,b/', '/a b/'])('an excludedPathPrefixes entry "%s" with a comma or a space', (prefix) => {
    expect(construct({ excludedPathPrefixes: ['/ok/', prefix] })).toThrow(
      /excludedPathPrefixes entries cannot contain commas/,
    );
  });

  it('an excludedPathPrefixes entry longer than an IAM path', () => {
    expect(construct({ excludedPathPrefixes: [`/${'a'.repeat(512)}`] })).toThrow(/at most 512 characters/);
  });

  it.each(['', 'a,b', 'cloudformation.amazonaws.com '])('an ignoredCallers entry "%s"', (caller) => {
    expect(construct({ ignoredCallers: [caller] })).toThrow(
      /ignoredCallers entries must be non-empty and contain no commas/,
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
      `rate(...), cron(...) or at(...), got "${expression}"`,
    );
  });

  it.each([
    ScheduleExpression.rate(Duration.minutes(1)),
    ScheduleExpression.rate(Duration.minutes(59)),
    ScheduleExpression.expression('rate(30 minutes)'),
  ])('reconcileSchedule more often than hourly: %o', (reconcileSchedule) => {
    expect(construct({ reconcileSchedule })).toThrow(
      /^reconcileSchedule must be at most once an hour \(each pass reads the whole account from IAM/,
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
    expect(resolved).toEqual({ ...DEFAULT_PROPS, alarmTopic: undefined });
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
      reconcileSchedule: 'cron(0 3 * * ? *)',
      reconcileAfterDeploy: 'false',
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
      reconcileAfterDeploy: false,
    });
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

  it('takes reconcileSchedule=disabled, and hands any other string to the prop validation', () => {
    // Act
    const disabled = propsFromContext(contextOf({ reconcileSchedule: 'disabled' }));
    const daily = propsFromContext(contextOf({ reconcileSchedule: 'daily' }));

    // Assess
    expect(disabled.reconcileSchedule).toBe('disabled');
    expect(() => resolveProps(daily)).toThrow('rate(...), cron(...) or at(...), got "daily"');
  });

  it.each([
    ['reconcileSchedule', '', /reconcileSchedule must be a non-empty string/],
    ['reconcileSchedule', 1, /reconcileSchedule must be a non-empty string/],
    ['reconcileAfterDeploy', 'no', /reconcileAfterDeploy must be true or false/],
    ['settleDelaySeconds', 'soon', /settleDelaySeconds must be a number/],
    ['maxConcurrency', '', /maxConcurrency must be a number/],
    ['dryRun', 'yes', /dryRun must be true or false/],
    ['createTrail', 1, /createTrail must be true or false/],
    ['ignoredCallers', 42, /ignoredCallers must be a comma-separated string or a JSON array of strings/],
    ['alarmTopicArn', '', /alarmTopicArn must be a non-empty string/],
  ])('rejects %s=%j', (key, value, message) => {
    expect(() => propsFromContext(contextOf({ [key]: value }))).toThrow(message);
  });
});
