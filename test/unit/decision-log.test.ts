/**
 * core/decision-log.ts: which log lines are the remediator's decisions, read back from the lines the remediation
 * itself logs, and the filter pattern that finds them in CloudWatch Logs.
 */
import {
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import {
  DECISION_FILTER_PATTERN,
  DECISIONS,
  DECISIONS_PERMISSIONS,
  parseDecisionLine,
} from '../../core/decision-log.js';
import { MEMBER_ROLE_READ_ACTIONS } from '../../core/member-role.js';
import { remediate } from '../../core/remediate.js';
import { EC2_TRUST_URL_ENCODED } from '../support/policies.js';
import { type LogLine, MemoryOwnership, RecordingCounter, RecordingLog, STEADY_USAGE } from './support/fakes.js';
import { eventTrigger } from './support/triggers.js';

const AT = Date.parse('2026-11-28T12:00:00Z');

/** A log line as Powertools writes it: level and message, then the keys. */
function powertools(line: LogLine): string {
  return JSON.stringify({
    level: line.level.toUpperCase(),
    message: line.message,
    timestamp: new Date(AT).toISOString(),
    service: 'auto-instance-profile',
    ...line.attributes,
  });
}

describe('parseDecisionLine', () => {
  it('reads the line the remediation logs for its decision, in dry run, with its role, reason and trigger', async () => {
    // Prepare: an EC2 role with no profile, decided in dry run
    const iam = mockClient(IAMClient);
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'app',
        RoleId: 'AROAAPP',
        Arn: 'arn:aws:iam::123456789012:role/app',
        Path: '/',
        CreateDate: new Date(AT - 60_000),
        AssumeRolePolicyDocument: EC2_TRUST_URL_ENCODED,
      },
    });
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(GetInstanceProfileCommand).rejects(new NoSuchEntityException({ message: 'none', $metadata: {} }));
    const log = new RecordingLog();

    // Act
    await remediate(eventTrigger('role-created', 'app', { eventTime: new Date(AT - 30_000) }), {
      iam: iam as unknown as IAMClient,
      config: { ...DEFAULT_CONFIG, dryRun: true },
      log,
      metrics: new RecordingCounter(),
      now: () => new Date(AT),
      profileUsage: STEADY_USAGE,
      ownership: new MemoryOwnership(),
    });
    const lines = log.visible.map((line) => parseDecisionLine(powertools(line), AT));

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({
        time: new Date(AT),
        decision: 'create',
        level: 'INFO',
        message: 'would link instance profile',
        role: 'app',
        profile: 'app',
        dryRun: true,
        changes: [],
        trigger: 'role-created',
      }),
    ]);
    iam.restore();
  });

  it.each([
    ['the debug line that re-decides', { level: 'DEBUG', message: 're-deciding', role: 'a', decision: 'create' }],
    ['a line with no decision', { level: 'INFO', message: 'reconcile pass', summary: {} }],
    ['a decision the service never logs', { level: 'INFO', message: 'x', decision: 'maybe' }],
    ['a JSON array', [{ decision: 'create' }]],
  ])('is undefined for %s', (_what, line) => {
    // Act
    const parsed = parseDecisionLine(JSON.stringify(line), AT);

    // Assess
    expect(parsed).toBeUndefined();
  });

  it.each([
    ['text', 'START RequestId: 1 Version: $LATEST'],
    ['a cut line', '{"level":"INFO","decision":"crea'],
  ])('is undefined for %s', (_what, message) => {
    // Act, Assess
    expect(parseDecisionLine(message, AT)).toBeUndefined();
  });

  it("reads a line behind Lambda's text prefix, and a line of the adapter's with no role and no dryRun", () => {
    // Prepare
    const message = `2026-11-28T12:00:00.000Z\tabc\tERROR\t${JSON.stringify({
      level: 'ERROR',
      message: 'record not proven, nothing changed',
      messageId: 'm-1',
      decision: 'refused',
      reason: 'not-in-flight',
    })}`;

    // Act
    const parsed = parseDecisionLine(message, AT);

    // Assess
    expect(parsed).toEqual({
      time: new Date(AT),
      decision: 'refused',
      level: 'ERROR',
      message: 'record not proven, nothing changed',
      reason: 'not-in-flight',
      dryRun: false,
      changes: [],
    });
  });
});

describe('DECISION_FILTER_PATTERN', () => {
  it('is one JSON filter pattern naming every decision, leaving out DEBUG lines, within the 1,024 characters CloudWatch Logs takes', () => {
    // Act
    const named = [...DECISION_FILTER_PATTERN.matchAll(/\$\.decision = "([a-z]+)"/g)].map((match) => match[1]);

    // Assess
    expect(named).toEqual([...DECISIONS]);
    expect(DECISION_FILTER_PATTERN).toMatch(/^\{ \(.*\) && \$\.level != "DEBUG" \}$/);
    expect(DECISION_FILTER_PATTERN.length).toBeLessThanOrEqual(1024);
  });
});

describe('DECISIONS_PERMISSIONS', () => {
  it('are granted to the member role, so that decisions --org can read every account', () => {
    // Act
    const missing = DECISIONS_PERMISSIONS.filter((action) => !MEMBER_ROLE_READ_ACTIONS.includes(action));

    // Assess
    expect(missing).toEqual([]);
    expect(MEMBER_ROLE_READ_ACTIONS).toContain('logs:FilterLogEvents');
  });
});
