/**
 * cli/decisions/report.ts and the documents of cli/decisions/account.ts and cli/org/decisions-org.ts: what a
 * window's decision lines amount to, per account and across the organization.
 */
import { describe, expect, it } from 'vitest';
import { type AccountDecisions, decisionsDocument, writeDecisions } from '../../cli/decisions/account.js';
import { DecisionTally, groupRow, needsAttention, ROLES_SHOWN, reportOf } from '../../cli/decisions/report.js';
import type { OrgAccount } from '../../cli/org/accounts.js';
import { orgDecisionsDocument, orgNeedsAttention, writeOrgDecisions } from '../../cli/org/decisions-org.js';
import { type AccountOutcome, NOT_STARTED } from '../../cli/org/fan-out.js';
import { createStyle } from '../../cli/style.js';
import type { DecisionLine } from '../../core/decision-log.js';
import { cliIo } from '../support/cli-io.js';

const T0 = Date.parse('2026-11-28T10:00:00Z');

/** A decision line at `minutes` past T0. */
function line(decision: DecisionLine['decision'], fields: Partial<DecisionLine> = {}, minutes = 0): DecisionLine {
  return {
    time: new Date(T0 + minutes * 60_000),
    decision,
    level: 'INFO',
    message: '',
    dryRun: false,
    changes: [],
    ...fields,
  };
}

/** A morning in dry run, then the service turned on. */
const LINES: readonly DecisionLine[] = [
  line('create', { role: 'app-a', dryRun: true }, 0),
  line('create', { role: 'app-b', dryRun: true }, 1),
  line('create', { role: 'APP-A', dryRun: true }, 2),
  line('adopt', { role: 'old', dryRun: true }, 3),
  line('conflict', { role: 'web', reason: 'profile-not-managed', dryRun: true, level: 'WARN' }, 4),
  line('nothing', { role: 'lambda-x', reason: 'no-ec2-trust', dryRun: true }, 5),
  line('nothing', { role: 'lambda-y', reason: 'no-ec2-trust' }, 6),
  line('nothing', { role: 'app-a', reason: 'already-in-profile' }, 7),
  line('create', { role: 'app-a', changes: ['created instance profile app-a'] }, 60),
  line('release', { role: 'gone', changes: ['removed role gone from instance profile gone'] }, 61),
  line('refused', { reason: 'not-in-flight', level: 'ERROR' }, 62),
];

describe('DecisionTally', () => {
  it('splits the write decisions into what a dry run would have done and what was done, and counts the rest by reason', () => {
    // Act
    const report = reportOf(LINES);

    // Assess
    expect(report.decisions.map(({ action, lines, roles }) => [action, lines, roles])).toEqual([
      ['would create', 3, ['app-a', 'app-b']],
      ['would adopt', 1, ['old']],
      ['created', 1, ['app-a']],
      ['released', 1, ['gone']],
      ['conflict', 1, ['web']],
      ['nothing', 3, ['app-a', 'lambda-x', 'lambda-y']],
      ['refused', 1, []],
    ]);
    expect(report.decisions.find((group) => group.decision === 'nothing')?.reasons).toEqual([
      { reason: 'no-ec2-trust', lines: 2 },
      { reason: 'already-in-profile', lines: 1 },
    ]);
    expect(report.decisions[0]).toMatchObject({
      decision: 'create',
      dryRun: true,
      first: '2026-11-28T10:00:00.000Z',
      last: '2026-11-28T10:02:00.000Z',
    });
    expect(report.decisions.find((group) => group.decision === 'conflict')).not.toHaveProperty('dryRun');
  });

  it('sums up the roles, the dry run, the changes, the conflicts and the errors', () => {
    // Act
    const { summary } = reportOf(LINES);

    // Assess: app-a is counted once, whatever its spelling and however often it comes
    expect(summary).toEqual({
      lines: 11,
      roles: 7,
      dryRunLines: 6,
      wouldChange: 3,
      changed: 2,
      conflicts: 1,
      errors: 1,
    });
    expect(needsAttention(summary)).toBe(true);
  });

  it('is empty with no lines, and nothing then calls for a person', () => {
    // Act
    const report = new DecisionTally().report();

    // Assess
    expect(report.decisions).toEqual([]);
    expect(report.summary).toEqual({
      lines: 0,
      roles: 0,
      dryRunLines: 0,
      wouldChange: 0,
      changed: 0,
      conflicts: 0,
      errors: 0,
    });
    expect(needsAttention(report.summary)).toBe(false);
  });
});

describe('groupRow', () => {
  it('lists the roles of a write decision, and says how many more there are', () => {
    // Prepare
    const roles = Array.from({ length: ROLES_SHOWN + 3 }, (_, i) =>
      line('create', { role: `r${i + 10}`, dryRun: true }),
    );

    // Act
    const [group] = reportOf(roles).decisions;

    // Assess
    expect(group && groupRow(group)).toEqual([
      'would create',
      '13 roles',
      'r10, r11, r12, r13, r14, r15, r16, r17, r18, r19 … and 3 more',
    ]);
  });

  it('gives a conflict its roles and reasons, and the decisions that change nothing their reasons only', () => {
    // Act
    const rows = reportOf(LINES).decisions.map(groupRow);

    // Assess
    expect(rows).toContainEqual(['conflict', '1 role', 'web (profile-not-managed 1)']);
    expect(rows).toContainEqual(['nothing', '3 lines', 'no-ec2-trust 2, already-in-profile 1']);
    expect(rows).toContainEqual(['refused', '1 line', 'not-in-flight 1']);
  });
});

const IDENTITY = {
  command: 'decisions',
  account: '111111111111',
  region: 'us-east-1',
  caller: 'arn:aws:iam::111111111111:user/me',
};
const WINDOW = { since: new Date(T0 - 3_600_000), until: new Date(T0 + 2 * 3_600_000) };

function accountResult(lines: readonly DecisionLine[], truncated?: 'lines'): AccountDecisions {
  return {
    source: {
      stack: 'AutoInstanceProfile',
      region: 'us-east-1',
      functionName: 'fn',
      logGroup: '/aws/lambda/fn',
      logGroupFrom: 'stack-output',
    },
    read: {
      calls: 1,
      events: lines.length,
      lines: lines.length,
      logGroupExists: true,
      ...(truncated ? { truncated } : {}),
    },
    report: reportOf(lines),
  };
}

describe('decisionsDocument and its text', () => {
  it('gives the window, the log group and its filter pattern, how reading went, the summary and the decisions', () => {
    // Act
    const document = decisionsDocument(IDENTITY, WINDOW, accountResult(LINES));

    // Assess
    expect(document).toMatchObject({
      command: 'decisions',
      since: '2026-11-28T09:00:00.000Z',
      until: '2026-11-28T12:00:00.000Z',
      source: { stack: 'AutoInstanceProfile', logGroup: '/aws/lambda/fn', logGroupExists: true },
      read: { calls: 1, lines: 11 },
      summary: { lines: 11, wouldChange: 3 },
    });
    expect(document.source.filterPattern).toMatch(/^\{ \(\$\.decision = "create"/);
    expect(document.read).not.toHaveProperty('truncated');
    expect(document.decisions).toHaveLength(7);
  });

  it('writes a row per decision and the summary, and says when the reading stopped short', () => {
    // Prepare
    const io = cliIo();

    // Act
    writeDecisions(io.stdout, createStyle(false), decisionsDocument(IDENTITY, WINDOW, accountResult(LINES, 'lines')));

    // Assess
    const text = io.out();
    expect(text).toContain('window  2026-11-28 09:00:00Z → 2026-11-28 12:00:00Z\n');
    expect(text).toContain('source  log group /aws/lambda/fn, of stack AutoInstanceProfile (us-east-1)\n');
    expect(text).toContain('read the first 11 decision lines only');
    expect(text).toMatch(/^ {2}would create {2}2 roles {2}app-a, app-b$/m);
    expect(text).toMatch(/^ {2}created {7}1 role {3}app-a$/m);
    expect(text).toContain(
      '11 decisions about 7 roles: would change 3 roles (dry run), changed 2, conflicts 1, errors 1.\n',
    );
  });
});

describe('orgDecisionsDocument', () => {
  const account = (accountId: string, name: string): OrgAccount => ({ accountId, name });
  const outcomes: AccountOutcome<AccountDecisions | { notInstalled: string }>[] = [
    { account: account('111111111111', 'management'), status: 'scanned', result: accountResult(LINES.slice(0, 4)) },
    {
      account: account('222222222222', 'web'),
      status: 'scanned',
      result: accountResult([
        line('create', { role: 'app-a', dryRun: true }),
        line('conflict', { role: 'db', reason: 'profile-holds-other-role' }),
      ]),
    },
    {
      account: account('333333333333', 'data'),
      status: 'scanned',
      result: { notInstalled: 'the service is not installed: …' },
    },
    { account: account('444444444444', 'lost'), status: 'unreachable', error: 'AccessDenied: no' },
  ];

  it("gives each account's decisions, the organization's totals, and its decisions with the roles named by account", () => {
    // Act
    const document = orgDecisionsDocument(IDENTITY, WINDOW, outcomes, false);

    // Assess
    expect(document.accounts.map(({ accountId, status, error }) => [accountId, status, error])).toEqual([
      ['111111111111', 'read', undefined],
      ['222222222222', 'read', undefined],
      ['333333333333', 'not-installed', 'the service is not installed: …'],
      ['444444444444', 'unreachable', 'AccessDenied: no'],
    ]);
    expect(document.summary).toEqual({
      accounts: 4,
      read: 2,
      notInstalled: 1,
      unreachable: 1,
      notStarted: 0,
      lines: 6,
      roles: 5,
      dryRunLines: 5,
      wouldChange: 4,
      changed: 0,
      conflicts: 1,
      errors: 0,
    });
    expect(document.decisions.map(({ action, lines, roles, accounts }) => [action, lines, roles, accounts])).toEqual([
      ['would create', 4, ['111111111111:app-a', '111111111111:app-b', '222222222222:app-a'], 2],
      ['would adopt', 1, ['111111111111:old'], 1],
      ['conflict', 1, ['222222222222:db'], 1],
    ]);
    expect(document.decisions[2]?.reasons).toEqual([{ reason: 'profile-holds-other-role', lines: 1 }]);
    expect(document.complete).toBe(false);
    expect(orgNeedsAttention(document)).toBe(true);
  });

  it('is complete when every account was read or has no service, and then calls for a person only for a conflict or an error', () => {
    // Prepare: the first and the not-installed account; then the same with an account not started (interrupted).
    const reached = [outcomes[0], outcomes[2]].filter((outcome) => outcome !== undefined);
    const notStarted: AccountOutcome<AccountDecisions>[] = [
      { account: account('555555555555', 'late'), status: 'not-started', error: NOT_STARTED },
    ];

    // Act
    const complete = orgDecisionsDocument(IDENTITY, WINDOW, reached, false);
    const cut = orgDecisionsDocument(IDENTITY, WINDOW, [...reached, ...notStarted], true);

    // Assess
    expect([complete.complete, orgNeedsAttention(complete)]).toEqual([true, false]);
    expect([cut.complete, orgNeedsAttention(cut)]).toEqual([false, true]);
    expect(cut.summary).toMatchObject({ accounts: 3, read: 1, notInstalled: 1, unreachable: 0, notStarted: 1 });
    expect(cut.accounts[2]).toEqual({
      accountId: '555555555555',
      name: 'late',
      status: 'not-started',
      error: NOT_STARTED,
    });
  });

  it('writes a line per account, the totals, and the decisions', () => {
    // Prepare
    const io = cliIo();

    // Act
    writeOrgDecisions(io.stdout, createStyle(false), orgDecisionsDocument(IDENTITY, WINDOW, outcomes, false), false);

    // Assess
    const text = io.out();
    expect(text).toMatch(/^ {2}ACCOUNT +NAME +STATUS +DECISIONS +WOULD CHANGE +CHANGED +CONFLICTS +ERRORS +DETAIL$/m);
    expect(text).toMatch(/^ {2}222222222222 +web +read +2 +1 +0 +1 +0$/m);
    expect(text).toMatch(/^ {2}333333333333 +data +not-installed +- +- +- +- +- +the service is not installed: …$/m);
    expect(text).toContain('Organization: 4 accounts, read 2, not installed 1, unreachable 1.\n');
    expect(text).toMatch(/^ {2}would create +3 roles +111111111111:app-a, 111111111111:app-b, 222222222222:app-a$/m);
    expect(text).toMatch(/Incomplete: 1 of 4 accounts not covered: 444444444444 \(lost\) unreachable\.\n$/);
  });

  it('says an interrupted report is incomplete, with the accounts not started', () => {
    // Prepare
    const io = cliIo();
    const late: AccountOutcome<AccountDecisions>[] = [
      { account: account('555555555555', 'late'), status: 'not-started', error: NOT_STARTED },
    ];

    // Act
    writeOrgDecisions(io.stdout, createStyle(false), orgDecisionsDocument(IDENTITY, WINDOW, late, true), true);

    // Assess
    const text = io.out();
    expect(text).toMatch(/^ {2}555555555555 +late +not-started +- +- +- +- +- +interrupted before its turn$/m);
    expect(text).toContain('Organization: 1 account, read 0, not installed 0, unreachable 0, not started 1.\n');
    expect(text).toContain('Incomplete: interrupted; 1 of 1 account not covered: 555555555555 (late) not started.\n');
  });
});
