/**
 * What the sandbox prints for the two moments a newcomer misread: a record the remediator asked to retry (a
 * role created and deleted at once), and the AWS CLI's JSON answers, which pushed the key lines off the screen.
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createStyle } from '../../cli/style.js';
import type { BatchReport } from '../../emulator/poller.js';
import { arnsIn, createReporter } from '../../local/reporter.js';

function collect(verbose = false) {
  let text = '';
  const reporter = createReporter({ write: (s: string) => (text += s) }, createStyle(false), verbose);
  return { reporter, lines: () => text.split('\n').filter((line) => line !== '') };
}

const record = { messageId: 'm1' } as SQSRecord;
const oneFailed: BatchReport = { records: [record], succeeded: [], failed: ['m1'], deleteErrors: [] };
const retry = JSON.stringify({
  level: 'INFO',
  message: 'will retry',
  role: 'quick',
  decision: 'retry',
  reason: 'role-not-visible-yet',
});

const CREATE_ROLE_ANSWER = JSON.stringify(
  {
    Role: {
      Path: '/',
      RoleName: 'CLI-EC2-role',
      RoleId: 'AROAEXAMPLE',
      Arn: 'arn:aws:iam::123456789012:role/CLI-EC2-role',
      CreateDate: '2026-12-06T08:00:00Z',
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] },
    },
  },
  null,
  4,
);

describe('the sandbox report', () => {
  it('reports a record the remediator asked to retry as the retry it is, not as a failure', () => {
    // Prepare
    const { reporter, lines } = collect();

    // Act
    reporter.functionLine(retry, 'settle queue');
    reporter.batch(oneFailed, 180, 'settle queue');

    // Assess
    expect(lines().at(-1)).toBe(
      '    ↻ poller: the record the remediator asked to retry comes back after the 180 s visibility timeout, to be decided again',
    );
    expect(lines().join('\n')).not.toMatch(/! poller|failed/);
  });

  it('still warns of a record that failed without a retry decision, or on another queue', () => {
    // Prepare
    const { reporter, lines } = collect();

    // Act
    reporter.functionLine(retry, 'delete queue');
    reporter.batch(oneFailed, 180, 'settle queue');
    reporter.batch(oneFailed, 180, 'delete queue');
    reporter.batch(oneFailed, 180, 'delete queue');

    // Assess
    expect(lines().filter((line) => line.includes('! poller: 1 of 1 record(s) failed'))).toHaveLength(2);
    expect(lines().filter((line) => line.includes('↻ poller'))).toHaveLength(1);
  });

  it("cuts the AWS CLI's JSON answer to the ARNs it names, and shows it whole with --verbose", () => {
    // Prepare
    const quiet = collect();
    const verbose = collect(true);

    // Act
    quiet.reporter.answer(CREATE_ROLE_ANSWER);
    verbose.reporter.answer(CREATE_ROLE_ANSWER);

    // Assess
    expect(quiet.lines()).toEqual(['      → arn:aws:iam::123456789012:role/CLI-EC2-role']);
    expect(verbose.lines().length).toBe(CREATE_ROLE_ANSWER.split('\n').length);
  });

  it('shows an answer that is not JSON, or names no ARN, as it is', () => {
    // Act
    const text = arnsIn('An error occurred (DeleteConflict)');
    const none = arnsIn('{"InstanceProfiles": []}');

    // Assess
    expect(text).toBeUndefined();
    expect(none).toBeUndefined();
  });
});
