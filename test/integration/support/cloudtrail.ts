/**
 * CloudTrail events as EventBridge delivers them, built from the fixtures in test/fixtures/cloudtrail:
 * any fixture, for a role of the test's own, with fresh ids and time, and the caller the test needs.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The fixtures, by file name without `.json`. */
export type CloudTrailFixture =
  | 'create-role'
  | 'create-role-by-cloudformation'
  | 'update-assume-role-policy'
  | 'delete-role'
  | 'delete-role-conflict';

/** What a test changes in a fixture. */
export interface EventOptions {
  /** How long ago the call was made. @default 0 */
  readonly ageSeconds?: number;
  /** CloudTrail's `userIdentity`, in place of the fixture's. @default the fixture's */
  readonly userIdentity?: Record<string, unknown>;
  /** Fields merged into `requestParameters`, e.g. UpdateAssumeRolePolicy's `policyDocument`. */
  readonly requestParameters?: Record<string, unknown>;
}

/** A CloudTrail event from `fixture` about `roleName`, with a new event id, CloudTrail eventID and time. */
export function cloudTrailEvent(
  fixture: CloudTrailFixture,
  roleName: string,
  options: EventOptions = {},
): Record<string, unknown> {
  const event = JSON.parse(readFileSync(`test/fixtures/cloudtrail/${fixture}.json`, 'utf8'));
  const time = new Date(Date.now() - (options.ageSeconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  event.id = randomUUID();
  event.time = time;
  event.detail.eventTime = time;
  event.detail.eventID = randomUUID();
  event.detail.requestParameters = { ...event.detail.requestParameters, ...options.requestParameters, roleName };
  if (options.userIdentity !== undefined) event.detail.userIdentity = options.userIdentity;
  return event;
}

/** CloudTrail's `userIdentity` for a session of an assumed role, e.g. a Lambda function's or a CI pipeline's. */
export function assumedRoleIdentity(roleArn: string, sessionName: string): Record<string, unknown> {
  const match = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (match === null) throw new Error(`not a role ARN: ${roleArn}`);
  const [, partition, account, roleName] = match;
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEROLEID:${sessionName}`,
    arn: `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    accountId: account,
    accessKeyId: 'ASIAEXAMPLEKEY01',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEROLEID',
        arn: roleArn,
        accountId: account,
        userName: roleName,
      },
      attributes: { creationDate: new Date().toISOString(), mfaAuthenticated: 'false' },
    },
  };
}
