import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { doctorCommand } from '../../cli/commands/doctor.js';
import {
  advancedSelectorMatches,
  CHECK_NAMES,
  callFailed,
  checkDeadLetterQueue,
  checkInstanceProfiles,
  checkRegion,
  checkRule,
  checkServiceStack,
  checkStack,
  checkTrails,
  DOCTOR_CHECKS,
  notChecked,
  patternMatchesThisVersion,
  type StackFacts,
  selectorsLogIamWrites,
  type TrailFacts,
  tally,
} from '../../cli/doctor/checks.js';
import { runDoctor } from '../../cli/doctor/doctor.js';
import { AwsUnreachableError } from '../../cli/errors.js';
import { accountEventPatterns, EVENT_PATTERNS } from '../../core/event-pattern.js';
import { partitionOf } from '../../core/regions.js';
import { cliIo } from '../support/cli-io.js';

const LOGGING_TRAIL: TrailFacts = {
  name: 'management',
  arn: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/management',
  homeRegion: 'us-east-1',
  multiRegion: true,
  includeGlobalServiceEvents: true,
  logging: true,
};

const OUTPUTS = {
  RuleName: 'AutoInstanceProfile-Rule',
  QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
  DeleteRuleName: 'AutoInstanceProfile-DeleteRule',
  DeleteQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/delete-q',
  DeadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
  FunctionName: 'AutoInstanceProfile-Remediator',
  ReconcileFunctionName: 'AutoInstanceProfile-Reconcile',
  OwnershipTableName: 'AutoInstanceProfile-OwnershipTable-1A2B3C',
};

describe('checkRegion', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])('passes %s, the IAM event region of %s', (region, partition) => {
    // Prepare: the region. Act
    const result = checkRegion(region);

    // Assess
    expect(result).toMatchObject({ name: 'region', status: 'ok' });
    expect(partitionOf(region)).toBe(partition);
  });

  it.each([
    ['eu-west-1', 'us-east-1'],
    ['cn-northwest-1', 'cn-north-1'],
    ['us-gov-east-1', 'us-gov-west-1'],
  ])('fails %s and names %s', (region, expected) => {
    // Prepare: the region. Act
    const result = checkRegion(region);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.detail).toContain(`--region ${expected}`);
  });

  it('fails an unsupported partition', () => {
    // Prepare: an ISO region. Act
    const iso = checkRegion('us-iso-east-1');

    // Assess
    expect(iso).toMatchObject({ status: 'failed', detail: expect.stringContaining('aws-iso') });
  });

  it("names the project's deploy command for the right region", () => {
    // Prepare: a region outside the IAM event region. Act
    const result = checkRegion('eu-west-1');

    // Assess
    expect(result.detail).toContain('AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 npm run deploy');
  });
});

describe('selectorsLogIamWrites', () => {
  it('treats no selectors as CloudTrail default, all management events', () => {
    // Prepare: nothing. Act
    const result = selectorsLogIamWrites([], []);

    // Assess
    expect(result.ok).toBe(true);
  });

  it.each([
    [{ ReadWriteType: 'All' as const, IncludeManagementEvents: true }, true],
    [{ ReadWriteType: 'WriteOnly' as const }, true],
    [{ ReadWriteType: 'ReadOnly' as const, IncludeManagementEvents: true }, false],
    [{ ReadWriteType: 'All' as const, IncludeManagementEvents: false }, false],
    [{ ReadWriteType: 'All' as const, ExcludeManagementEventSources: ['kms.amazonaws.com'] }, true],
  ])('reads basic selector %j as %s', (selector, ok) => {
    // Prepare: the selector. Act
    const result = selectorsLogIamWrites([selector], undefined);

    // Assess
    expect(result.ok).toBe(ok);
  });

  it.each([
    ['management events', [{ Field: 'eventCategory', Equals: ['Management'] }], true],
    [
      'management write events',
      [
        { Field: 'eventCategory', Equals: ['Management'] },
        { Field: 'readOnly', Equals: ['false'] },
      ],
      true,
    ],
    [
      'management read events',
      [
        { Field: 'eventCategory', Equals: ['Management'] },
        { Field: 'readOnly', Equals: ['true'] },
      ],
      false,
    ],
    [
      'management events but KMS',
      [
        { Field: 'eventCategory', Equals: ['Management'] },
        { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] },
      ],
      true,
    ],
    [
      'management events but IAM',
      [
        { Field: 'eventCategory', Equals: ['Management'] },
        { Field: 'eventSource', NotEquals: ['iam.amazonaws.com'] },
      ],
      false,
    ],
    [
      'data events',
      [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
      ],
      false,
    ],
    [
      'events of one caller (cannot confirm)',
      [
        { Field: 'eventCategory', Equals: ['Management'] },
        { Field: 'userIdentity.arn', StartsWith: ['arn:aws:iam::1:user/'] },
      ],
      false,
    ],
  ])('reads an advanced selector for %s', (_, FieldSelectors, ok) => {
    // Prepare
    const selector = { Name: 'selector', FieldSelectors };

    // Act
    const result = selectorsLogIamWrites(undefined, [selector]);

    // Assess
    expect(result.ok).toBe(ok);
  });

  it('needs only one advanced selector to match, and an empty one matches nothing', () => {
    // Prepare
    const data = { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] };
    const management = { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] };

    // Act
    const result = selectorsLogIamWrites(undefined, [data, management]);

    // Assess
    expect(result.ok).toBe(true);
    expect(advancedSelectorMatches({ FieldSelectors: [] }, { eventCategory: 'Management' })).toBe(false);
  });
});

describe('checkTrails', () => {
  it('fails with no trail and says how to fix it', () => {
    // Prepare: no trails. Act
    const result = checkTrails('us-east-1', []);

    // Assess
    expect(result).toMatchObject({ name: 'trail', status: 'failed', detail: expect.stringContaining('no trail') });
  });

  it('passes when one trail of several logs IAM writes', () => {
    // Prepare
    const stopped = { ...LOGGING_TRAIL, name: 'stopped', logging: false };

    // Act
    const result = checkTrails('us-east-1', [stopped, LOGGING_TRAIL]);

    // Assess
    expect(result).toMatchObject({ status: 'ok', detail: expect.stringContaining('"management"') });
  });

  it.each<[string, Partial<TrailFacts>, string]>([
    ['is not logging', { logging: false }, 'not logging'],
    ['is single-region elsewhere', { multiRegion: false, homeRegion: 'eu-west-1' }, 'single-region trail in eu-west-1'],
    ['excludes global service events', { includeGlobalServiceEvents: false }, 'global service events'],
    ['logs only reads', { eventSelectors: [{ ReadWriteType: 'ReadOnly' }] }, 'leave out management write events'],
  ])('fails a trail that %s', (_, change, reason) => {
    // Prepare
    const trail = { ...LOGGING_TRAIL, ...change };

    // Act
    const result = checkTrails('us-east-1', [trail]);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.detail).toContain(reason);
  });

  it('leaves the trail not checked when no trail can be read, and fails when a readable one is wrong', () => {
    // Prepare
    const unreadable = { ...LOGGING_TRAIL, name: 'org', error: 'its status could not be read (AccessDenied)' };
    const stopped = { ...LOGGING_TRAIL, name: 'stopped', logging: false };

    // Act
    const onlyUnreadable = checkTrails('us-east-1', [unreadable]);
    const withStopped = checkTrails('us-east-1', [unreadable, stopped]);

    // Assess
    expect(onlyUnreadable).toMatchObject({ status: 'not-checked', detail: expect.stringContaining('AccessDenied') });
    expect(withStopped).toMatchObject({ status: 'failed', detail: expect.stringContaining('not logging') });
  });

  it('suggests the stack-made trail when there is none', () => {
    // Prepare: no trails. Act
    const result = checkTrails('us-east-1', []);

    // Assess
    expect(result.detail).toContain('npm run deploy -- -c createTrail=true');
  });

  it('accepts a single-region trail in the IAM event region, checked from its partition', () => {
    // Prepare
    const trail = { ...LOGGING_TRAIL, multiRegion: false, homeRegion: 'us-east-1' };

    // Act
    const fromElsewhere = checkTrails('eu-west-1', [trail]);

    // Assess
    expect(fromElsewhere.status).toBe('ok');
  });
});

describe('checkStack', () => {
  const stack = (change: Partial<StackFacts>): StackFacts => ({
    name: 'AutoInstanceProfile',
    status: 'CREATE_COMPLETE',
    outputs: OUTPUTS,
    ...change,
  });

  it('passes a deployed stack and returns its outputs by key', () => {
    // Prepare: a complete stack. Act
    const { result, outputs } = checkStack('AutoInstanceProfile', 'us-east-1', stack({}));

    // Assess
    expect(result.status).toBe('ok');
    expect(outputs).toEqual({
      ruleName: OUTPUTS.RuleName,
      queueUrl: OUTPUTS.QueueUrl,
      deleteRuleName: OUTPUTS.DeleteRuleName,
      deleteQueueUrl: OUTPUTS.DeleteQueueUrl,
      deadLetterQueueUrl: OUTPUTS.DeadLetterQueueUrl,
      functionName: OUTPUTS.FunctionName,
      reconcileFunctionName: OUTPUTS.ReconcileFunctionName,
      ownershipTableName: OUTPUTS.OwnershipTableName,
    });
  });

  it.each([
    ['missing', undefined, 'not deployed in us-east-1 (npm run deploy)'],
    ['rolled back on create', stack({ status: 'ROLLBACK_COMPLETE', statusReason: 'boom' }), 'ROLLBACK_COMPLETE: boom'],
    ['still updating', stack({ status: 'UPDATE_IN_PROGRESS' }), 'run doctor again'],
    ['without an output', stack({ outputs: { ...OUTPUTS, DeadLetterQueueUrl: '' } }), 'DeadLetterQueueUrl'],
    [
      'from before the delete path (no DeleteRuleName)',
      stack({ outputs: { ...OUTPUTS, DeleteRuleName: '' } }),
      'lacks the outputs DeleteRuleName',
    ],
  ])('fails a stack that is %s', (_, facts, reason) => {
    // Prepare: the facts. Act
    const { result, outputs } = checkStack('AutoInstanceProfile', 'us-east-1', facts);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.detail).toContain(reason);
    expect(outputs).toBeUndefined();
  });

  it('passes a stack whose last update rolled back, and says so', () => {
    // Prepare: a rolled-back update. Act
    const { result } = checkStack('AutoInstanceProfile', 'us-east-1', stack({ status: 'UPDATE_ROLLBACK_COMPLETE' }));

    // Assess
    expect(result).toMatchObject({ status: 'ok', detail: expect.stringContaining('rolled back') });
  });
});

describe('checkServiceStack', () => {
  const facts = (name: string, change: Partial<StackFacts> = {}): StackFacts => ({
    name,
    status: 'CREATE_COMPLETE',
    outputs: OUTPUTS,
    ...change,
  });
  const INSTANCE = 'StackSet-AutoInstanceProfile-0f6a1c2e-5b7d-4e1a-9c3b-2d8e4f6a7b9c';
  const OTHER_STACK_SET = facts('StackSet-Baseline-11111111-2222-3333-4444-555555555555', {
    outputs: { BucketName: 'logs' },
  });

  it('checks the single-account stack when it exists', () => {
    // Prepare
    const search = { requested: undefined, named: facts('AutoInstanceProfile'), stackSetStacks: [] };

    // Act
    const { result, stackName, outputs } = checkServiceStack('us-east-1', search);

    // Assess
    expect(result).toMatchObject({ status: 'ok', detail: 'stack AutoInstanceProfile is CREATE_COMPLETE' });
    expect(stackName).toBe('AutoInstanceProfile');
    expect(outputs?.functionName).toBe(OUTPUTS.FunctionName);
  });

  it("recognises the stack an organization's StackSet created by its outputs, among other StackSets' stacks", () => {
    // Prepare
    const search = { requested: undefined, named: undefined, stackSetStacks: [OTHER_STACK_SET, facts(INSTANCE)] };

    // Act
    const { result, stackName, outputs } = checkServiceStack('us-east-1', search);

    // Assess
    expect(result).toMatchObject({
      status: 'ok',
      detail: `stack ${INSTANCE} is CREATE_COMPLETE (created by the organization's StackSet)`,
    });
    expect(stackName).toBe(INSTANCE);
    expect(outputs?.ruleName).toBe(OUTPUTS.RuleName);
  });

  it('fails a StackSet stack of an older version, naming the outputs it lacks', () => {
    // Prepare
    const old = facts(INSTANCE, { outputs: { ...OUTPUTS, ReconcileFunctionName: '' } });

    // Act
    const { result } = checkServiceStack('us-east-1', {
      requested: undefined,
      named: undefined,
      stackSetStacks: [old],
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.detail).toContain(`stack ${INSTANCE} (CREATE_COMPLETE) lacks the outputs ReconcileFunctionName`);
  });

  it('fails when neither exists, naming both ways to deploy', () => {
    // Act
    const { result, stackName } = checkServiceStack('us-east-1', {
      requested: undefined,
      named: undefined,
      stackSetStacks: [OTHER_STACK_SET],
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.detail).toContain('not deployed in us-east-1 (npm run deploy)');
    expect(result.detail).toContain('StackSet-…; npm run deploy:org');
    expect(stackName).toBe('AutoInstanceProfile');
  });

  it('fails when two StackSet stacks hold the service, and asks which', () => {
    // Prepare
    const second = 'StackSet-AutoInstanceProfileCanary-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

    // Act
    const { result } = checkServiceStack('us-east-1', {
      requested: undefined,
      named: undefined,
      stackSetStacks: [facts(INSTANCE), facts(second)],
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.detail).toContain(`${INSTANCE}, ${second}; choose one with --stack-name`);
  });

  it('checks only the stack asked for with --stack-name', () => {
    // Act
    const { result, stackName } = checkServiceStack('us-east-1', {
      requested: 'MyStack',
      named: undefined,
      stackSetStacks: [facts(INSTANCE)],
    });

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      detail: 'stack MyStack is not deployed in us-east-1 (npm run deploy)',
    });
    expect(stackName).toBe('MyStack');
  });
});

describe('checkRule', () => {
  const pattern = JSON.stringify(EVENT_PATTERNS.settle);

  it.each([
    ['ENABLED', true],
    ['ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS', true],
    ['DISABLED', false],
  ])('reads state %s as %s', (state, ok) => {
    // Prepare: the rule. Act
    const result = checkRule('r', { name: 'r', state, eventPattern: pattern });

    // Assess
    expect(result.status).toBe(ok ? 'ok' : 'failed');
  });

  it('fails a missing rule, and notes a pattern from another version without failing', () => {
    // Prepare: a missing rule and one with an older pattern. Act
    const missing = checkRule('r', undefined);
    const drifted = checkRule('r', { name: 'r', state: 'ENABLED', eventPattern: '{"source":["aws.iam"]}' });

    // Assess
    expect(missing.status).toBe('failed');
    expect(drifted).toMatchObject({ status: 'ok', detail: expect.stringContaining('differs') });
  });

  it("checks the delete rule against the delete path's own pattern, under its own name", () => {
    // Prepare: the delete rule as deployed, and a delete rule that was given the settle pattern.
    const deleteRule = { name: 'd', state: 'ENABLED', eventPattern: JSON.stringify(EVENT_PATTERNS.immediate) };
    const swapped = { name: 'd', state: 'ENABLED', eventPattern: pattern };

    // Act
    const matching = checkRule('d', deleteRule, 'immediate');
    const drifted = checkRule('d', swapped, 'immediate');
    const settleWithDeletePattern = checkRule('r', { ...deleteRule, name: 'r' }, 'settle');

    // Assess
    expect(matching).toEqual({ name: 'delete-rule', status: 'ok', detail: 'rule d is ENABLED' });
    expect(drifted).toMatchObject({ name: 'delete-rule', status: 'ok', detail: expect.stringContaining('differs') });
    expect(settleWithDeletePattern).toMatchObject({ name: 'rule', detail: expect.stringContaining('differs') });
  });

  it('expects the pattern to name the rule’s own account, as the stack deploys it, and notes one that does not', () => {
    // Prepare: the rule's ARN names its account
    const arn = 'arn:aws:events:us-east-1:111122223333:rule/AutoInstanceProfile-ServiceRule';
    const deployed = JSON.stringify(accountEventPatterns('111122223333').settle);

    // Act
    const current = checkRule('r', { name: 'r', state: 'ENABLED', eventPattern: deployed, arn });
    const older = checkRule('r', { name: 'r', state: 'ENABLED', eventPattern: pattern, arn });
    const otherAccount = checkRule('r', {
      name: 'r',
      state: 'ENABLED',
      eventPattern: JSON.stringify(accountEventPatterns('444455556666').settle),
      arn,
    });

    // Assess
    expect(current).toEqual({ name: 'rule', status: 'ok', detail: 'rule r is ENABLED' });
    expect(older).toMatchObject({ status: 'ok', detail: expect.stringContaining('differs') });
    expect(otherAccount).toMatchObject({ status: 'ok', detail: expect.stringContaining('differs') });
  });

  it('names a missing or disabled delete rule as the delete-rule check', () => {
    // Prepare: the facts. Act
    const missing = checkRule('d', undefined, 'immediate');
    const disabled = checkRule('d', { name: 'd', state: 'DISABLED' }, 'immediate');

    // Assess
    expect(missing).toEqual({ name: 'delete-rule', status: 'failed', detail: 'rule d does not exist' });
    expect(disabled).toMatchObject({
      name: 'delete-rule',
      status: 'failed',
      detail: expect.stringContaining('enable-rule'),
    });
  });

  it('compares patterns regardless of key order and formatting', () => {
    // Prepare
    const reordered = JSON.stringify(
      {
        detail: EVENT_PATTERNS.settle.detail,
        'detail-type': EVENT_PATTERNS.settle['detail-type'],
        source: EVENT_PATTERNS.settle.source,
      },
      null,
      2,
    );

    // Act
    const same = patternMatchesThisVersion(reordered);

    // Assess
    expect(same).toBe(true);
    expect(patternMatchesThisVersion('not json')).toBe(false);
  });
});

describe('checkDeadLetterQueue', () => {
  it('passes an empty queue and fails one with messages, naming how to read and redrive them', () => {
    // Prepare
    const depth = { url: 'https://dlq', arn: 'arn:aws:sqs:us-east-1:1:dlq', visible: 0, inFlight: 0, delayed: 0 };

    // Act
    const empty = checkDeadLetterQueue(depth);
    const full = checkDeadLetterQueue({ ...depth, visible: 2, inFlight: 1 });

    // Assess
    expect(empty.status).toBe('ok');
    expect(full.status).toBe('failed');
    expect(full.detail).toContain('3 message(s)');
    expect(full.detail).toContain('receive-message --queue-url https://dlq');
    expect(full.detail).toContain('start-message-move-task --source-arn arn:aws:sqs:us-east-1:1:dlq');
  });
});

describe('checkInstanceProfiles', () => {
  it.each([
    [412, 1000, 'ok', '412 of 1000 instance profiles in use (41.2%)'],
    [949, 1000, 'ok', '949 of 1000 instance profiles in use (94.9%)'],
    [950, 1000, 'failed', '950 of 1000 instance profiles in use (95%), at or above 95% of InstanceProfilesQuota'],
    [5000, 5000, 'failed', '5000 of 5000 instance profiles in use (100%), at or above 95%'],
    [0, 0, 'failed', '0 of 0 instance profiles in use (no quota), at or above 95%'],
  ])('reports %i of %i as %s', (used, quota, status, detail) => {
    // Act
    const result = checkInstanceProfiles({ used, quota });

    // Assess
    expect(result).toMatchObject({ name: 'instance-profiles', status });
    expect(result.detail.startsWith(detail)).toBe(true);
  });

  it('fails from the share the service stops creating at, by the same rule (core/quota.ts)', () => {
    // Act
    const below = checkInstanceProfiles({ used: 79, quota: 100 }, 80);
    const at = checkInstanceProfiles({ used: 80, quota: 100 }, 80);

    // Assess
    expect([below.status, at.status]).toEqual(['ok', 'failed']);
    expect(at.detail).toContain('the service creates no more instance profiles');
  });

  it('says what a full quota does and how to get out of it', () => {
    // Act
    const { detail } = checkInstanceProfiles({ used: 990, quota: 1000 });

    // Assess
    expect(detail).toContain('CreateInstanceProfile answers LimitExceeded');
    expect(detail).toContain('delete unused instance profiles');
    expect(detail).toContain('Service Quotas');
  });
});

describe('runDoctor, the instance profile quota', () => {
  it('reads GetAccountSummary and leaves the check not checked when it reports no quota', async () => {
    // Prepare
    const iam = mockClient(IAMClient);
    const cloudtrail = mockClient(CloudTrailClient);
    const cloudformation = mockClient(CloudFormationClient);
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { Roles: 3 } });
    cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [] });
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [] });

    // Act
    const report = await runDoctor({
      region: 'us-east-1',
      stackName: 'AutoInstanceProfile',
      cloudtrail: new CloudTrailClient({}),
      cloudformation: new CloudFormationClient({}),
      events: new EventBridgeClient({}),
      sqs: new SQSClient({}),
      iam: new IAMClient({}),
      lambda: new LambdaClient({}),
      cloudwatch: new CloudWatchClient({}),
    });
    for (const mock of [iam, cloudtrail, cloudformation]) mock.restore();

    // Assess
    expect(report.checks.find((check) => check.name === 'instance-profiles')).toEqual({
      name: 'instance-profiles',
      status: 'not-checked',
      detail: 'not checked: GetAccountSummary reported no instance profile count or quota',
    });
    expect(iam.commandCalls(GetAccountSummaryCommand)).toHaveLength(1);
  });
});

describe('notChecked, callFailed and tally', () => {
  it('count a check that could not run apart from a failed one', () => {
    // Prepare
    const checks = [
      checkRegion('us-east-1'),
      checkTrails('us-east-1', []),
      notChecked('rule', 'the stack check did not pass'),
      callFailed(
        'dead-letter-queue',
        'SQS GetQueueAttributes',
        Object.assign(new Error('no'), { name: 'AccessDenied' }),
      ),
    ];

    // Act
    const counts = tally(checks);

    // Assess
    expect(counts).toEqual({ ok: 1, warning: 0, paused: 0, failed: 1, 'not-checked': 2 });
    expect(checks[3]?.detail).toBe('not checked: SQS GetQueueAttributes failed: AccessDenied: no');
  });
});

describe('runDoctor', () => {
  const deps = () => ({
    region: 'us-east-1',
    stackName: 'AutoInstanceProfile',
    cloudtrail: new CloudTrailClient({}),
    cloudformation: new CloudFormationClient({}),
    events: new EventBridgeClient({}),
    sqs: new SQSClient({}),
    iam: new IAMClient({}),
    lambda: new LambdaClient({}),
    cloudwatch: new CloudWatchClient({}),
  });
  const sdkError = (name: string, message: string, code?: string) =>
    Object.assign(new Error(message), { name, ...(code === undefined ? {} : { code }) });

  it('leaves a check whose call is denied not checked, and the checks after a failed stack too', async () => {
    // Prepare
    const cloudtrail = mockClient(CloudTrailClient);
    const cloudformation = mockClient(CloudFormationClient);
    const iam = mockClient(IAMClient);
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { InstanceProfiles: 950, InstanceProfilesQuota: 1000 } });
    cloudtrail.on(DescribeTrailsCommand).rejects(sdkError('AccessDeniedException', 'no'));
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(sdkError('ValidationError', 'Stack with id AutoInstanceProfile does not exist'));

    // Act
    const report = await runDoctor(deps());
    cloudtrail.restore();
    cloudformation.restore();
    iam.restore();

    // Assess: the quota is checked whatever became of the stack.
    expect(report.checks.map((check) => [check.name, check.status])).toEqual([
      ['region', 'ok'],
      ['trail', 'not-checked'],
      ['stack', 'failed'],
      ['rule', 'not-checked'],
      ['delete-rule', 'not-checked'],
      ['event-sources', 'not-checked'],
      ['dead-letter-queue', 'not-checked'],
      ['instance-profiles', 'failed'],
    ]);
    expect(report.checks[1]?.detail).toBe('not checked: CloudTrail DescribeTrails failed: AccessDeniedException: no');
  });

  it("reads the StackSet's stack when the account has no AutoInstanceProfile stack and none was asked for", async () => {
    // Prepare
    const instance = 'StackSet-AutoInstanceProfile-0f6a1c2e-5b7d-4e1a-9c3b-2d8e4f6a7b9c';
    const cloudtrail = mockClient(CloudTrailClient);
    const cloudformation = mockClient(CloudFormationClient);
    const events = mockClient(EventBridgeClient);
    const sqs = mockClient(SQSClient);
    const iam = mockClient(IAMClient);
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { InstanceProfiles: 1, InstanceProfilesQuota: 1000 } });
    cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [] });
    cloudformation
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [
          { StackName: 'Unrelated', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() },
          {
            StackName: instance,
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
      })
      .on(DescribeStacksCommand, { StackName: 'AutoInstanceProfile' })
      .rejects(sdkError('ValidationError', 'Stack with id AutoInstanceProfile does not exist'));
    events.on(DescribeRuleCommand).callsFake((input: { Name: string }) => ({
      Name: input.Name,
      State: 'ENABLED',
      EventPattern: JSON.stringify(
        input.Name === OUTPUTS.DeleteRuleName ? EVENT_PATTERNS.immediate : EVENT_PATTERNS.settle,
      ),
    }));
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    const lambda = mockClient(LambdaClient);
    lambda.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [
        { UUID: 'm-1', EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:q', State: 'Enabled' },
        { UUID: 'm-2', EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:delete-q', State: 'Enabled' },
      ],
    });

    // Act
    const report = await runDoctor({ ...deps(), stackName: undefined });
    for (const mock of [cloudtrail, cloudformation, events, sqs, iam, lambda]) mock.restore();

    // Assess
    expect(report.stackName).toBe(instance);
    expect(report.checks.find((check) => check.name === 'stack')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(`stack ${instance} is UPDATE_COMPLETE`),
    });
    expect(
      report.checks.filter((check) =>
        ['rule', 'delete-rule', 'event-sources', 'dead-letter-queue'].includes(check.name),
      ),
    ).toEqual([
      expect.objectContaining({ status: 'ok' }),
      expect.objectContaining({ status: 'ok' }),
      expect.objectContaining({ status: 'ok' }),
      expect.objectContaining({ status: 'ok' }),
    ]);
    expect(cloudformation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input.StackName)).toEqual([
      'AutoInstanceProfile',
      undefined,
    ]);
  });

  it('stops with an AwsAccessError when AWS cannot be reached, rather than failing a check', async () => {
    // Prepare
    const cloudtrail = mockClient(CloudTrailClient);
    const cloudformation = mockClient(CloudFormationClient);
    const iam = mockClient(IAMClient);
    cloudtrail.on(DescribeTrailsCommand).rejects(sdkError('Error', 'connect ECONNREFUSED', 'ECONNREFUSED'));
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [] });
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { InstanceProfiles: 1, InstanceProfilesQuota: 1000 } });

    // Act
    const run = runDoctor(deps());

    // Assess
    await expect(run).rejects.toBeInstanceOf(AwsUnreachableError);
    cloudtrail.restore();
    cloudformation.restore();
    iam.restore();
  });
});

describe('DOCTOR_CHECKS', () => {
  it("is what doctor --help lists under Checks: every check's name with its own help text, in the report's order", async () => {
    // Prepare
    const io = cliIo();

    // Act
    await doctorCommand.run(['--help'], io);

    // Assess
    const section =
      io
        .out()
        .split('\n\n')
        .find((part) => part.startsWith('Checks:')) ?? '';
    const rows = section
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s{2,}/));
    expect(rows).toEqual(CHECK_NAMES.map((name) => [name, DOCTOR_CHECKS[name]]));
    expect(CHECK_NAMES).toEqual([
      'region',
      'trail',
      'stack',
      'rule',
      'delete-rule',
      'event-sources',
      'dead-letter-queue',
      'instance-profiles',
      'ownership',
      'smoke',
    ]);
  });
});
