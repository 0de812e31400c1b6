/**
 * cli/org/scan-org.ts: the report of `scan --org` and `fix --org`: each account's roles by name as the single-account
 * document gives them, whether the report is complete, and its text.
 */
import { describe, expect, it } from 'vitest';
import type { OrgAccount } from '../../cli/org/accounts.js';
import { type AccountOutcome, NOT_STARTED } from '../../cli/org/fan-out.js';
import {
  type AccountScan,
  type AccountWork,
  fixOrganization,
  orgMissingRows,
  orgRecordSource,
  orgResultRows,
  orgScanReport,
  orgScanRows,
  writeOrgRoles,
  writeOrgScan,
  writeOrgScanHeader,
} from '../../cli/org/scan-org.js';
import type { RoleResult } from '../../cli/scan/fix.js';
import { createStyle } from '../../cli/style.js';
import { DEFAULT_CONFIG } from '../../core/config.js';
import type { ScanReport } from '../../core/scan.js';

const IDENTITY = { command: 'scan', account: '111111111111', region: 'us-east-1', caller: 'arn' };

const SETTINGS = {
  from: 'defaults',
  region: 'us-east-1',
  excludedPathPrefixes: ['/aws-service-role/'],
  ignoredCallers: ['cloudformation.amazonaws.com'],
  unknownCreator: 'remediate',
  instanceProfileQuotaPercent: 95,
  optOutTag: 'auto-instance-profile:skip',
  selection: 'opt-out',
  optInTag: 'auto-instance-profile:opt-in',
  creatorLookup: true,
} as const;

const NO_RECORD = { from: 'none', why: 'no AutoInstanceProfile stack (nor an organization’s StackSet stack)' } as const;

/** A scan of one account: `web` to create, `db` in conflict with a profile not ours, `old` unrecorded, `new` pending. */
function report(): ScanReport {
  return {
    scanId: 's',
    notSelected: [],
    summary: { scanned: 6, ec2Roles: 4, missing: 1, conflicts: 2, optedOut: 0, notSelected: 0, pending: 1, created: 0 },
    missing: [
      {
        roleName: 'web',
        plan: { kind: 'create', roleName: 'web', profile: { name: 'web', path: '/', tags: [] }, note: '' },
        known: {},
      },
    ],
    conflicts: [
      {
        roleName: 'db',
        plan: {
          kind: 'conflict',
          reason: 'profile-not-managed',
          profileName: 'db',
          profileRoles: [],
          note: 'not ours',
        },
        known: {},
      },
      {
        roleName: 'old',
        plan: {
          kind: 'conflict',
          reason: 'profile-unrecorded',
          profileName: 'old',
          profileRoles: [],
          note: 'unproven',
        },
        known: {},
      },
    ],
    pending: [{ roleName: 'new', plan: { kind: 'nothing', reason: 'creator-pending', note: 'too new' }, known: {} }],
    pages: { roles: 1, profiles: 1 },
    iamCalls: 3,
  };
}

const account = (accountId: string, name: string): OrgAccount => ({ accountId, name });

function scanned(
  accountId: string,
  name: string,
  fixed?: AccountScan['fixed'],
): AccountOutcome<AccountWork> & { status: 'scanned' } {
  const scan: AccountScan = {
    access: { account: account(accountId, name), own: false, clientConfig: { region: 'us-east-1' } },
    config: DEFAULT_CONFIG,
    settings: SETTINGS,
    record: NO_RECORD,
    report: report(),
    route: { kind: 'direct' },
    ...(fixed === undefined ? {} : { fixed }),
  };
  return { account: account(accountId, name), status: 'scanned', result: scan };
}

const made = (role: string): RoleResult => ({
  role,
  made: true,
  settled: true,
  outcome: {
    role,
    trigger: 'found-by-scan',
    decision: 'create',
    note: '',
    changed: true,
    changes: [`created instance profile ${role}`],
    dryRun: false,
    iamCalls: 3,
    recordCalls: 0,
    creationId: 'c',
  },
});

const plain = createStyle(false);

function collect() {
  let text = '';
  return { out: { write: (chunk: string) => (text += chunk) }, text: () => text };
}

describe('orgScanReport', () => {
  it("gives each scanned account the single-account document's fields: its roles by name, settings, record and unrecorded", () => {
    // Prepare
    const outcomes = [scanned('111111111111', 'management')];

    // Act
    const { document } = orgScanReport(IDENTITY, outcomes, { fix: false, countsOnly: false, interrupted: false });

    // Assess
    expect(document.accounts).toEqual([
      {
        accountId: '111111111111',
        name: 'management',
        status: 'scanned',
        summary: {
          scanned: 6,
          ec2Roles: 4,
          missing: 1,
          conflicts: 2,
          optedOut: 0,
          notSelected: 0,
          pending: 1,
          created: 0,
        },
        missing: ['web'],
        conflicts: ['db', 'old'],
        pending: ['new'],
        notSelected: [],
        settings: SETTINGS,
        record: NO_RECORD,
        unrecorded: ['old'],
      },
    ]);
    expect(document.complete).toBe(true);
  });

  it('with --summary keeps the counts per account and leaves out the lists of roles', () => {
    // Prepare
    const outcomes = [scanned('111111111111', 'management')];

    // Act
    const { document } = orgScanReport(IDENTITY, outcomes, { fix: false, countsOnly: true, interrupted: false });

    // Assess
    expect(document.accounts[0]).not.toHaveProperty('missing');
    expect(document.accounts[0]).not.toHaveProperty('conflicts');
    expect(document.accounts[0]).not.toHaveProperty('pending');
    expect(document.accounts[0]?.summary).toMatchObject({ missing: 1, conflicts: 2 });
    expect(document.summary).toMatchObject({ accounts: 1, scanned: 1, missing: 1, conflicts: 2 });
  });

  it('is incomplete when an account was unreachable or not started, and names them with why', () => {
    // Prepare
    const outcomes: AccountOutcome<AccountWork>[] = [
      scanned('111111111111', 'management'),
      { account: account('222222222222', 'web'), status: 'unreachable', error: 'AccessDenied: no' },
      { account: account('333333333333', 'data'), status: 'not-started', error: NOT_STARTED },
    ];

    // Act
    const { document, uncovered } = orgScanReport(IDENTITY, outcomes, {
      fix: false,
      countsOnly: false,
      interrupted: true,
    });

    // Assess
    expect(document.complete).toBe(false);
    expect(document.summary).toEqual({
      accounts: 3,
      scanned: 1,
      unreachable: 1,
      notStarted: 1,
      missing: 1,
      conflicts: 2,
    });
    expect(document.accounts.slice(1)).toEqual([
      { accountId: '222222222222', name: 'web', status: 'unreachable', error: 'AccessDenied: no' },
      { accountId: '333333333333', name: 'data', status: 'not-started', error: 'interrupted before its turn' },
    ]);
    expect(uncovered).toEqual([
      { accountId: '222222222222', name: 'web', why: 'unreachable' },
      { accountId: '333333333333', name: 'data', why: 'not started' },
    ]);
  });

  it('is incomplete when interrupted, even with every account scanned; and when fix was interrupted in an account, names it', () => {
    // Prepare
    const outcomes = [
      scanned('111111111111', 'management', {
        results: [],
        interrupted: true,
        error: 'interrupted: 0 of 1 missing role tried',
      }),
    ];

    // Act
    const { document, uncovered } = orgScanReport(IDENTITY, outcomes, {
      fix: true,
      countsOnly: false,
      interrupted: true,
    });

    // Assess
    expect(document.complete).toBe(false);
    expect(document.accounts[0]).toMatchObject({ status: 'scanned', error: 'interrupted: 0 of 1 missing role tried' });
    expect(uncovered).toEqual([{ accountId: '111111111111', name: 'management', why: 'fix interrupted' }]);
  });
});

describe('fixOrganization', () => {
  it('once interrupted, tries no role of an account that had missing ones, and says how many were tried', async () => {
    // Prepare
    const controller = new AbortController();
    controller.abort();

    // Act
    const outcomes = await fixOrganization([scanned('111111111111', 'management')], 1, controller.signal);

    // Assess
    const fixed = outcomes[0]?.status === 'scanned' ? (outcomes[0].result as AccountScan).fixed : undefined;
    expect(fixed).toEqual({ results: [], interrupted: true, error: 'interrupted: 0 of 1 missing role tried' });
  });
});

describe('orgRecordSource', () => {
  it('says where the record is and that --org does not read it; without a stack, as the single-account scan says it', () => {
    // Act
    const withTable = orgRecordSource(
      { region: 'us-east-1' },
      { stack: 'AutoInstanceProfile', region: 'us-east-1', tableName: 'Records' },
    );
    const withoutStack = orgRecordSource({ region: 'eu-west-1' }, undefined);

    // Assess
    expect(withTable).toEqual({
      from: 'none',
      why: 'not read by --org; scan in the account reads table Records of stack AutoInstanceProfile',
    });
    expect(withoutStack).toEqual({
      from: 'none',
      why: "no AutoInstanceProfile stack (nor an organization's StackSet stack) in us-east-1",
    });
  });
});

describe('the text report', () => {
  it('lists every role by account before the account table, and counts in the singular for one account', () => {
    // Prepare
    const outcomes = [scanned('111111111111', 'management')];
    const { document, uncovered } = orgScanReport(IDENTITY, outcomes, {
      fix: false,
      countsOnly: false,
      interrupted: false,
    });
    const { out, text } = collect();

    // Act
    writeOrgScanHeader(out, plain, IDENTITY);
    writeOrgRoles(out, plain, orgScanRows(outcomes));
    writeOrgScan(out, plain, document, { uncovered, interrupted: false });

    // Assess
    expect(text().split('\n')).toEqual([
      'auto-instance-profile scan  account 111111111111 · region us-east-1 · organization',
      '  record: not read by --org: every profile tagged as ours is unrecorded, and fix --org adopts none (scan in the account reads its record)',
      '  ACCOUNT       NAME        ROLE  STATUS    DETAIL',
      '  111111111111  management  web   missing   no instance profile; web to create',
      '  111111111111  management  db    conflict  not ours',
      '  111111111111  management  old   conflict  unproven',
      '  111111111111  management  new   pending   too new',
      '',
      '  ACCOUNT       NAME        STATUS   MISSING  CONFLICTS  SETTINGS  DETAIL',
      '  111111111111  management  scanned  1        2          defaults',
      'Organization: 1 account, scanned 1, unreachable 0; missing 1, conflicts 2.',
      '',
    ]);
  });

  it('ends with a line naming the accounts it does not cover, and says it was interrupted', () => {
    // Prepare
    const outcomes: AccountOutcome<AccountWork>[] = [
      scanned('111111111111', 'management'),
      { account: account('222222222222', 'web'), status: 'unreachable', error: 'AccessDenied: no' },
      { account: account('333333333333', 'data'), status: 'not-started', error: NOT_STARTED },
    ];
    const { document, uncovered } = orgScanReport(IDENTITY, outcomes, {
      fix: false,
      countsOnly: false,
      interrupted: true,
    });
    const { out, text } = collect();

    // Act
    writeOrgScan(out, plain, document, { uncovered, interrupted: true });

    // Assess
    const lines = text().trimEnd().split('\n');
    expect(lines.slice(-2)).toEqual([
      'Organization: 3 accounts, scanned 1, unreachable 1, not started 1; missing 1, conflicts 2.',
      'Incomplete: interrupted; 2 of 3 accounts not covered: 222222222222 (web) unreachable, 333333333333 (data) not started.',
    ]);
    expect(lines).toContainEqual(
      '  333333333333  data        not-started  -        -          -         interrupted before its turn',
    );
  });

  it("fix's rows: what it will create, then what it did, by account; its outcome line before the completeness", () => {
    // Prepare
    const outcomes = [scanned('111111111111', 'management', { results: [made('web')] })];
    const { document, uncovered } = orgScanReport({ ...IDENTITY, command: 'fix' }, outcomes, {
      fix: true,
      countsOnly: false,
      interrupted: false,
    });
    const { out, text } = collect();

    // Act
    writeOrgRoles(out, plain, orgMissingRows(orgScanRows(outcomes)));
    writeOrgRoles(out, plain, orgResultRows(outcomes));
    writeOrgScan(out, plain, document, { uncovered, interrupted: false }, 'Fixed 1 of 1 missing in 1 account.');

    // Assess
    expect(text().split('\n')).toEqual([
      '  ACCOUNT       NAME        ROLE  STATUS   DETAIL',
      '  111111111111  management  web   missing  no instance profile; web to create',
      '',
      '  ACCOUNT       NAME        ROLE  STATUS  DETAIL',
      '  111111111111  management  web   fixed   created instance profile web',
      '',
      '  ACCOUNT       NAME        STATUS   MISSING  CONFLICTS  CREATED  SETTINGS  DETAIL',
      '  111111111111  management  scanned  1        2          1        defaults',
      'Organization: 1 account, scanned 1, unreachable 0; missing 1, conflicts 2, created 1.',
      'Fixed 1 of 1 missing in 1 account.',
      '',
    ]);
    expect(document).toMatchObject({ complete: true, summary: { created: 1, leftOut: 0 } });
  });
});
