/**
 * One definition of the service: the template the organization's StackSet deploys to every account is the
 * single-account stack, built from the same construct with the same settings. It differs only where it must:
 * its Lambda code comes from the organization's code bucket, and its alarms notify the organization's topic.
 */
import { Duration } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTIONAL_STACK_OUTPUTS, SERVICE_ROLE_PATH } from '../../core/pipeline-settings.js';
import { MEMBER_PARAMETERS } from '../../infra/stack-set-member.js';
import { removeSynthOutputs, synthesize, synthesizeOrg } from './support/synth.js';

afterAll(removeSynthOutputs);

/** A SHA-256 in hex: asset hashes, and the after-deploy run's fingerprint, which hashes the code's location too. */
const HASH = /\b[0-9a-f]{64}\b/g;

/**
 * A name the CDK derives from a construct's path (an event source mapping's logical id, a queue policy's Sid): the
 * member stack sits under the organization stack (AutoInstanceProfileOrg/Member), so its path, and the hash after
 * it, differ from the single-account stack's, while the resource is the same.
 */
const PATH_NAME = /AutoInstanceProfile(?:OrgMember)?Service([A-Za-z]+?)[0-9A-F]{8}(?:[0-9A-F]{8})?\b/g;

type Json = Record<string, Record<string, { Type: string; Properties?: Record<string, unknown> }>>;

/** The template as JSON, with hashes masked and path-derived names reduced to the path inside the stack. */
function normalized(template: Template): Json {
  return JSON.parse(
    JSON.stringify(template.toJSON()).replace(HASH, '<hash>').replace(PATH_NAME, 'Service$1<id>'),
  ) as Json;
}

/**
 * The template without what a member template must do otherwise: where the code is, where the alarms go, the
 * bootstrap check (accounts of the organization have none) and the parameters that carry the first two.
 */
function comparable(template: Template): Json {
  const json = normalized(template) as Json & {
    Description?: string;
    Parameters?: unknown;
    Rules?: Record<string, unknown>;
  };
  delete json.Description;
  delete json.Parameters;
  delete json.Rules?.CheckBootstrapVersion;
  for (const resource of Object.values(json.Resources ?? {})) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::Lambda::Function') properties.Code = '<code>';
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      delete properties.AlarmActions;
      delete properties.OKActions;
    }
  }
  return json;
}

/** The properties of every resource of a type, by logical id, normalized. */
function propertiesOf(template: Template, type: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(normalized(template).Resources ?? {})
      .filter(([, resource]) => resource.Type === type)
      .map(([id, resource]) => [id, resource.Properties]),
  );
}

describe('the member template', () => {
  it('is the single-account stack, resource for resource, but for the code location and the alarm actions', () => {
    // Act
    const single = synthesize().template;
    const { member } = synthesizeOrg({ env: { region: 'us-east-1' } });

    // Assess
    expect(comparable(member)).toEqual(comparable(single));
  });

  it.each([
    ['AWS::Events::Rule', 'the rules: the same patterns, into the same queues'],
    ['AWS::SQS::Queue', 'the queues: the same settle delay, visibility timeout, encryption and redrive'],
    ['AWS::Lambda::EventSourceMapping', 'the event sources: the same batch size and concurrency'],
    ['AWS::IAM::Policy', "the permissions: each function's role holds the same statements"],
    ['AWS::IAM::Role', 'the roles: the same trust'],
    ['AWS::Scheduler::Schedule', 'the reconcile schedule'],
  ])('has the same %s as the single-account stack (%s)', (type) => {
    // Act
    const single = synthesize().template;
    const { member } = synthesizeOrg();

    // Assess
    const expected = propertiesOf(single, type);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(propertiesOf(member, type)).toEqual(expected);
  });

  it('runs the same functions: runtime, architecture, memory, timeout, handler and environment', () => {
    // Act
    const single = synthesize().template;
    const { member } = synthesizeOrg();

    // Assess
    const settings = (template: Template) =>
      Object.fromEntries(
        Object.entries(propertiesOf(template, 'AWS::Lambda::Function')).map(([id, properties]) => {
          const { Code: _code, ...rest } = properties as Record<string, unknown>;
          return [id, rest];
        }),
      );
    expect(settings(member)).toEqual(settings(single));
    expect(Object.keys(settings(member))).toHaveLength(3);
  });

  it('takes its code from the code bucket the StackSet names, and sends its alarms to the topic it names', () => {
    // Act
    const { member } = synthesizeOrg();

    // Assess
    for (const code of Object.values(propertiesOf(member, 'AWS::Lambda::Function')).map(
      (properties) => (properties as { Code: unknown }).Code,
    )) {
      expect(code).toEqual({ S3Bucket: { Ref: MEMBER_PARAMETERS.codeBucket }, S3Key: expect.stringMatching(/\.zip$/) });
    }
    for (const alarm of Object.values(propertiesOf(member, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm).toMatchObject({ AlarmActions: [{ Ref: MEMBER_PARAMETERS.alarmTopicArn }] });
    }
  });
});

describe('settings set once on the organization stack', () => {
  const CONTEXT = {
    dryRun: 'true',
    settleDelaySeconds: '120',
    maxConcurrency: '4',
    excludedPathPrefixes: '/aws-service-role/,/batch/',
    ignoredCallers: 'cloudformation.amazonaws.com,arn:aws:sts::*:assumed-role/terraform-ci/*',
    reconcileSchedule: 'cron(0 3 * * ? *)',
    logRetentionDays: '30',
    alarmOnConflicts: 'false',
    // One operator for every account: a role of a central account may assume each account's operator role.
    operatorPrincipals: 'arn:aws:iam::111122223333:role/central-operations',
  };

  it('reach every account as the same context keys reach the single-account stack', () => {
    // Act
    const single = synthesize({ context: CONTEXT }).template;
    const { member } = synthesizeOrg({ context: CONTEXT });

    // Assess
    expect(comparable(member)).toEqual(comparable(single));
    const queues = Object.values(propertiesOf(member, 'AWS::SQS::Queue'));
    expect(queues).toContainEqual(expect.objectContaining({ DelaySeconds: 120 }));
    const remediator = Object.values(propertiesOf(member, 'AWS::Lambda::Function')).find(
      (properties) => (properties as { Timeout?: number }).Timeout === 30,
    );
    expect(remediator).toMatchObject({
      Environment: {
        Variables: {
          DRY_RUN: 'true',
          EXCLUDED_PATH_PREFIXES: '/aws-service-role/,/batch/',
          IGNORED_CALLERS: CONTEXT.ignoredCallers,
        },
      },
    });
    member.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 3 * * ? *)' });
    member.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    member.hasResourceProperties('AWS::IAM::Role', {
      Path: SERVICE_ROLE_PATH,
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: CONTEXT.operatorPrincipals } }],
      },
    });
    expect(member.toJSON().Outputs).toHaveProperty(OPTIONAL_STACK_OUTPUTS.operatorRoleArn);
  });

  it('reach every account as props of the organization stack, as they reach the single-account stack', () => {
    // Prepare
    const service = { dryRun: true, settleDelay: Duration.seconds(5), ignoredCallers: [] };

    // Act
    const single = synthesize({ props: service }).template;
    const { member } = synthesizeOrg({ service });

    // Assess
    expect(comparable(member)).toEqual(comparable(single));
    member.hasResourceProperties('AWS::SQS::Queue', { DelaySeconds: 5 });
  });
});
