/** cli/org/doctor-org.ts: `doctor --org`'s report names each account's checks that did not pass, and says if it is complete. */
import { describe, expect, it } from 'vitest';
import { checkView } from '../../cli/doctor/checks.js';
import { namedChecks, type OrgDoctorDocument, organizationHealthy, writeOrgDoctor } from '../../cli/org/doctor-org.js';
import { createStyle } from '../../cli/style.js';

const CHECKS = [
  { name: 'region', status: 'ok', detail: 'us-east-1' },
  { name: 'trail', status: 'failed', detail: 'no trail logs IAM write events' },
  { name: 'stack', status: 'ok', detail: 'AutoInstanceProfile' },
  { name: 'rule', status: 'not-checked', detail: 'not checked: DescribeRule failed: AccessDenied: no' },
  { name: 'ownership', status: 'warning', detail: '2 tagged profiles unrecorded' },
] as const;

function document(overrides: Partial<OrgDoctorDocument> = {}): OrgDoctorDocument {
  return {
    command: 'doctor',
    account: '111111111111',
    region: 'us-east-1',
    caller: 'arn',
    stackSet: {
      name: 'AutoInstanceProfile',
      callAs: 'SELF',
      source: 'options',
      nameFrom: 'default',
      callAsFrom: 'default',
      targets: [],
      instances: [],
      accountsWithoutInstance: [],
    },
    summary: {
      accounts: 2,
      scanned: 1,
      unreachable: 1,
      notStarted: 0,
      failing: 1,
      instances: 0,
      unhealthyInstances: 0,
      accountsWithoutInstance: 0,
    },
    complete: false,
    accounts: [
      {
        accountId: '111111111111',
        name: 'management',
        status: 'scanned',
        summary: { ok: 2, warning: 1, paused: 0, failed: 1, 'not-checked': 1, stack: 'AutoInstanceProfile' },
        checks: CHECKS.map(checkView),
      },
      { accountId: '222222222222', name: 'web', status: 'unreachable', error: 'AccessDenied: no' },
    ],
    ...overrides,
  };
}

function write(doc: OrgDoctorDocument, interrupted = false): string[] {
  let text = '';
  writeOrgDoctor({ write: (chunk: string) => (text += chunk) }, createStyle(false), doc, interrupted);
  return text.trimEnd().split('\n');
}

describe('namedChecks', () => {
  it('names the checks that failed, could not run, or warned, by status', () => {
    // Act
    const named = namedChecks(CHECKS);

    // Assess
    expect(named).toBe('failed trail; not-checked rule; warning ownership');
  });
});

describe('writeOrgDoctor', () => {
  it("lists each account's checks that did not pass with their detail, and names them on the account's line", () => {
    // Act
    const lines = write(document());

    // Assess
    expect(lines).toEqual([
      'auto-instance-profile doctor  account 111111111111 · region us-east-1 · organization',
      'StackSet AutoInstanceProfile (the default); targets unknown',
      '',
      '  ACCOUNT       NAME        CHECK      STATUS       DETAIL',
      '  111111111111  management  trail      failed       no trail logs IAM write events',
      '  111111111111  management  rule       not-checked  not checked: DescribeRule failed: AccessDenied: no',
      '  111111111111  management  ownership  warning      2 tagged profiles unrecorded',
      '',
      '  ACCOUNT       NAME        STATUS       OK  WARNING  FAILED  NOT-CHECKED  DETAIL',
      '  111111111111  management  scanned      2   1        1       1            stack AutoInstanceProfile; failed trail; not-checked rule; warning ownership',
      '  222222222222  web         unreachable  -   -        -       -            AccessDenied: no',
      'Organization: 2 accounts, checked 1, unreachable 1, with failing checks 1; StackSet instances 0, not current or drifted 0, targeted accounts without one 0.',
      'Incomplete: 1 of 2 accounts not covered: 222222222222 (web) unreachable.',
    ]);
  });

  it('names CallAs only when it was given or read from the organization stack, with where it came from', () => {
    // Prepare
    const base = document().stackSet;

    // Act
    const fromOutput = write(
      document({
        stackSet: { ...base, name: 'Profiles', nameFrom: 'organization stack', callAsFrom: 'organization stack' },
      }),
    );
    const fromOption = write(
      document({ stackSet: { ...base, callAs: 'DELEGATED_ADMIN', nameFrom: 'option', callAsFrom: 'option' } }),
    );

    // Assess
    expect(fromOutput[1]).toBe(
      "StackSet Profiles (the organization stack's output), CallAs SELF (the organization stack's output); targets unknown",
    );
    expect(fromOption[1]).toBe(
      'StackSet AutoInstanceProfile (--stack-set-name), CallAs DELEGATED_ADMIN (--call-as); targets unknown',
    );
  });

  it('says one account in the singular, and a complete report has no completeness line', () => {
    // Prepare
    const [management] = document().accounts;
    const doc = document({
      summary: { ...document().summary, accounts: 1, unreachable: 0 },
      complete: true,
      accounts: management === undefined ? [] : [management],
    });

    // Act
    const lines = write(doc);

    // Assess
    expect(lines.at(-1)).toMatch(/^Organization: 1 account, checked 1,/);
  });
});

describe('organizationHealthy', () => {
  it('is false for an incomplete report, even when every account it covers passes', () => {
    // Prepare
    const clean = { ...document().summary, unreachable: 0, failing: 0 };

    // Act
    const interrupted = organizationHealthy(document({ summary: clean, complete: false }));
    const complete = organizationHealthy(document({ summary: clean, complete: true }));

    // Assess
    expect(interrupted).toBe(false);
    expect(complete).toBe(true);
  });
});
