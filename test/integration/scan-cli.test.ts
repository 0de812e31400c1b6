/**
 * `scan`, `fix`, `release` and `prune` through the built CLI (dist/cli/index.mjs), against a moto of their
 * own (the summary must be exact, so the account holds only this file's roles), with IAM reached through a
 * counting proxy. The account: several hundred roles of every kind (emulator/account.ts).
 */
import {
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  IAMClient,
  NoSuchEntityException,
  TagInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { naiveScan } from '../../bench/scan-baselines.js';
import { DEFAULT_CONFIG } from '../../core/config.js';
import type { OwnershipTable } from '../../core/dynamodb/ownership-table.js';
import { RELEASE_COMMAND_PERMISSIONS } from '../../core/iam/index.js';
import { PROFILE_PAGE_SIZE } from '../../core/iam/list-account.js';
import { mapBounded } from '../../core/map-bounded.js';
import { createMixedAccount, type MixedAccount } from '../../emulator/account.js';
import { startIamProxy } from '../../emulator/iam-faults.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import type { ProxyServer } from '../../emulator/proxy.js';
import { cliEnv, runCli, sharedFiles } from './support/cli.js';
import { expectGranted } from './support/permissions.js';
import { deployedStackInMoto } from './support/stack.js';

/** The `--json` document of scan and fix. */
interface ScanJson {
  readonly account: string;
  readonly region: string;
  readonly summary: Record<'scanned' | 'ec2Roles' | 'missing' | 'conflicts' | 'optedOut' | 'created', number>;
  readonly missing: string[];
  readonly conflicts: string[];
}

const SPEC = {
  ec2Missing: 90,
  ec2Covered: 30,
  adoptable: 6,
  otherService: 120,
  optedOut: 15,
  conflicting: 15,
  excluded: 24,
};
const MANAGED = [{ Key: 'auto-instance-profile:managed', Value: 'true' }];

let moto: MotoServer;
let proxy: ProxyServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let iam: IAMClient;
let account: MixedAccount;
/** The deployed stack's ownership record, where the account's leftovers of ours are recorded. */
let records: OwnershipTable;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startIamProxy(moto.url);
  files = await sharedFiles();
  iam = new IAMClient({ endpoint: moto.url });
  // The service deployed here: the CLI reads its settings and its ownership record, where the leftovers are recorded.
  const stack = await deployedStackInMoto(moto.url);
  records = stack.records;
  const made = await createMixedAccount(iam, SPEC, 'acct', { records: stack.records });
  // The stack's own roles (its function's, its operator's) are scanned too: none is an EC2 role.
  account = {
    ...made,
    total: made.total + stack.roles,
    expected: { ...made.expected, scanned: made.expected.scanned + stack.roles },
  };
});

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
  await files?.remove();
});

/**
 * Runs the built CLI as a user would: moto through the standard variables, IAM through the proxy. The account's roles
 * were made straight in moto, with no CloudTrail record, moments ago: `scan` and `fix` are run without the creators'
 * lookup, which would find them pending (test/integration/creators.test.ts covers it).
 */
function cli(...args: string[]) {
  const scans = args[0] === 'scan' || args[0] === 'fix';
  return runCli(
    scans ? [...args, '--no-creator-lookup'] : args,
    cliEnv(files.dir, {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ENDPOINT_URL_IAM: proxy.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    }),
  );
}

/** The IAM actions the proxy saw while `work` ran. */
async function iamActions<T>(work: () => Promise<T>): Promise<{ result: T; actions: string[] }> {
  const start = proxy.actions.length;
  const result = await work();
  return { result, actions: proxy.actions.slice(start) };
}

async function profile(name: string) {
  try {
    return (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

const sorted = (names: readonly string[]) => [...names].sort();

describe('scan, fix, release and prune through the built CLI', () => {
  it('scan reports the exact summary in pages: one call per listing page plus one read per same-name profile', async () => {
    // Act
    const { result: run, actions } = await iamActions(() => cli('scan', '--json'));
    const naive = await iamActions(() =>
      naiveScan(new IAMClient({ endpoint: proxy.url }), DEFAULT_CONFIG, 8, (name) => records.read(name)),
    );

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as ScanJson;
    expect(report).toMatchObject({ account: '123456789012', region: 'us-east-1', summary: account.expected });
    expect(sorted(report.missing)).toEqual(sorted([...account.names.ec2Missing, ...account.names.adoptable]));
    expect(sorted(report.conflicts)).toEqual(sorted(account.names.conflicting));
    // The bound: one call per page of each listing, plus one GetInstanceProfile per role in no profile whose
    // same-name profile exists (the listing shows it without tags). moto answers GetAccountAuthorizationDetails
    // in one page whatever MaxItems says (test/acceptance/reconcile-memory.test.ts serves real pages). The naive
    // way, on the same account: ListRoles, then GetRole and ListInstanceProfilesForRole per role, then that read
    // for every candidate.
    const pages = Math.ceil(account.total / PROFILE_PAGE_SIZE);
    const reads = SPEC.adoptable + SPEC.conflicting;
    expect({ scan: actions.length, naive: naive.actions.length }).toEqual({
      scan: 1 + pages + reads,
      naive: pages + 2 * account.total + SPEC.ec2Missing + SPEC.adoptable + SPEC.conflicting,
    });
    expect(new Set(actions)).toEqual(
      new Set(['ListInstanceProfiles', 'GetAccountAuthorizationDetails', 'GetInstanceProfile']),
    );
    expect(naive.result.summary).toMatchObject({
      missing: report.summary.missing,
      conflicts: report.summary.conflicts,
    });
  });

  it('scan prints a table of the roles needing a profile and of the conflicts, and a one-line summary', async () => {
    // Act
    const run = await cli('scan', '--exclude-path', '/aws-service-role/');

    // Assess
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^auto-instance-profile scan {2}account 123456789012 · region us-east-1/);
    expect(lines.filter((line) => /^ {2}\S+ +missing {2}/.test(line))).toHaveLength(account.expected.missing);
    expect(lines.filter((line) => /^ {2}\S+ +conflict {2}/.test(line))).toHaveLength(account.expected.conflicts);
    expect(lines.at(-1)).toBe(
      `Scanned ${account.total} roles: EC2 roles ${account.expected.ec2Roles}, missing ${account.expected.missing}, ` +
        `conflicts ${account.expected.conflicts}, opted out ${SPEC.optedOut} (2 pages, ${2 + SPEC.adoptable + SPEC.conflicting} IAM calls).`,
    );
    expect(run.stderr).toBe('');
  });

  it('scan --summary prints the counts alone, for large accounts: no row per role, in text or in JSON', async () => {
    // Act
    const text = await cli('scan', '--summary');
    const json = await cli('scan', '--summary', '--json');

    // Assess
    expect([text.code, json.code]).toEqual([1, 1]);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^auto-instance-profile scan {2}account 123456789012 · region us-east-1/);
    expect(lines.filter((line) => /^ {2}\S+ +(missing|conflict) {2}/.test(line))).toEqual([]);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^Scanned ${account.total} roles: EC2 roles ${account.expected.ec2Roles}, missing ${account.expected.missing}, `,
      ),
    );
    const document = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(document).sort()).toEqual([
      'account',
      'caller',
      'command',
      'record',
      'region',
      'settings',
      'summary',
      'unrecorded',
    ]);
    expect(document.summary).toEqual({ ...account.expected, created: 0 });
  });

  it('fix refuses without --yes when not on a terminal, and changes nothing', async () => {
    // Act
    const { result: run, actions } = await iamActions(() => cli('fix'));

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pass --yes');
    expect(actions).toEqual([]);
  });

  it('fix --yes creates the missing profiles and touches no conflict; scan then finds none missing', async () => {
    // Act
    const fix = await cli('fix', '--yes', '--json');
    const scan = await cli('scan', '--json');

    // Assess: the conflicts remain, so both still exit 1.
    expect(fix.code).toBe(1);
    expect(JSON.parse(fix.stdout).summary).toEqual({ ...account.expected, created: account.expected.missing });
    expect(scan.code).toBe(1);
    expect(JSON.parse(scan.stdout)).toMatchObject({
      summary: { missing: 0, conflicts: SPEC.conflicting, created: 0 },
      missing: [],
    });
    for (const role of [...account.names.ec2Missing, ...account.names.adoptable]) {
      expect((await profile(role))?.Roles?.map((r) => r.RoleName)).toEqual([role]);
    }
    for (const role of account.names.conflicting) {
      expect(await profile(role)).toMatchObject({ Roles: [], Tags: [] });
    }
    for (const role of account.names.ec2Covered) {
      expect(await profile(role)).toMatchObject({ Roles: [expect.objectContaining({ RoleName: role })], Tags: [] });
    }
  });

  it('fix makes the account consistent once the user resolved the conflicts: fix and scan exit 0', async () => {
    // Prepare: the user deletes the profiles that stood in the way.
    await mapBounded(account.names.conflicting, 8, (name) =>
      iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })),
    );

    // Act
    const fix = await cli('fix', '--yes', '--summary');
    const scan = await cli('scan', '--json');

    // Assess: with --summary, no row per role, before or after
    expect(fix.code).toBe(0);
    const lines = fix.stdout.trim().split('\n');
    expect(lines.filter((line) => /^ {2}\S+ +(missing|conflict|created|adopted) {2}/.test(line))).toEqual([]);
    expect(lines.at(-2)).toMatch(/^Scanned \d+ roles: /);
    expect(lines.at(-1)).toBe(`Fixed ${SPEC.conflicting} of ${SPEC.conflicting} missing; undone 0, conflicts 0.`);
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout).summary).toMatchObject({ missing: 0, conflicts: 0 });
  });

  it('release hands our profile over: our tags go, the role stays in it, and the service leaves it alone', async () => {
    // Prepare
    const [role = ''] = account.names.ec2Missing;

    // Act
    const release = await cli('release', role, '--yes', '--json');
    const again = await cli('release', role, '--yes');
    const scan = await cli('scan', '--json');

    // Assess
    expect(release.code).toBe(0);
    expect(JSON.parse(release.stdout)).toMatchObject({ role, profile: role, action: 'handed-over' });
    const after = await profile(role);
    expect(after?.Roles?.map((r) => r.RoleName)).toEqual([role]);
    expect((after?.Tags ?? []).filter((tag) => tag.Key?.startsWith('auto-instance-profile:'))).toEqual([]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`instance profile ${role} is not ours`);
    expect(JSON.parse(scan.stdout).summary).toMatchObject({ missing: 0, conflicts: 0 });
  });

  it('release --delete removes the role from our profile and deletes it', async () => {
    // Prepare
    const role = account.names.ec2Missing[1] ?? '';

    // Act
    const run = await cli('release', role, '--delete', '--yes');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`deleted instance profile ${role}`);
    expect(await profile(role)).toBeUndefined();
  });

  it('release refuses a profile we do not own, with or without --delete, and changes nothing', async () => {
    // Prepare: a role the console gave its profile.
    const role = account.names.ec2Covered[0] ?? '';
    const before = await profile(role);

    // Act
    const handOver = await iamActions(() => cli('release', role, '--yes'));
    const remove = await iamActions(() => cli('release', role, '--delete', '--yes'));

    // Assess
    expect([handOver.result.code, remove.result.code]).toEqual([1, 1]);
    expect(remove.result.stderr).toBe(
      `auto-instance-profile release: instance profile ${role} is not ours (no auto-instance-profile:managed=true); nothing was changed\n`,
    );
    expect([...handOver.actions, ...remove.actions]).toEqual(['GetInstanceProfile', 'GetInstanceProfile']);
    expect(await profile(role)).toEqual(before);
  });

  it('prune lists our empty profiles only, and deletes them with --yes; no other profile is touched', async () => {
    // Prepare: ours and empty, not ours and empty, ours holding a role.
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'acct-leftover', Tags: MANAGED }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'acct-theirs' }));
    const inUse = account.names.ec2Missing[2] ?? '';

    // Act
    const list = await cli('prune', '--json');
    const prune = await iamActions(() => cli('prune', '--yes', '--json'));
    const after = await cli('prune');

    // Assess
    expect(list.code).toBe(1);
    expect(JSON.parse(list.stdout)).toMatchObject({ profiles: ['acct-leftover'], deleted: [] });
    expect(prune.result.code).toBe(0);
    expect(JSON.parse(prune.result.stdout)).toMatchObject({ profiles: ['acct-leftover'], deleted: ['acct-leftover'] });
    expect(prune.actions.filter((action) => action === 'DeleteInstanceProfile')).toHaveLength(1);
    expect(after.code).toBe(0);
    expect(await profile('acct-leftover')).toBeUndefined();
    expect(await profile('acct-theirs')).toMatchObject({ Roles: [] });
    expect((await profile(inUse))?.Roles?.map((r) => r.RoleName)).toEqual([inUse]);
  });

  it('release --json names the profile it refuses, and refuses our profile bound to an earlier role of the name', async () => {
    // Prepare: a console profile (not ours), and one of ours whose source-role-id is another role's
    const notOurs = account.names.ec2Covered[1] ?? '';
    const rebound = account.names.ec2Missing[3] ?? '';
    await iam.send(
      new TagInstanceProfileCommand({
        InstanceProfileName: rebound,
        Tags: [{ Key: 'auto-instance-profile:source-role-id', Value: 'AROAEARLIERROLE' }],
      }),
    );

    // Act
    const refused = await cli('release', notOurs, '--yes', '--json');
    const unbound = await iamActions(() => cli('release', rebound, '--delete', '--yes', '--json'));

    // Assess
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ role: notOurs, profile: notOurs, action: 'refused' });
    expect(unbound.result.code).toBe(1);
    expect(JSON.parse(unbound.result.stdout)).toMatchObject({
      profile: rebound,
      action: 'refused',
      reason: expect.stringContaining('is not bound to role'),
    });
    expect(unbound.actions).toEqual(['GetInstanceProfile', 'GetRole']);
    expectGranted([...unbound.actions], RELEASE_COMMAND_PERMISSIONS);
    expect((await profile(rebound))?.Roles?.map((r) => r.RoleName)).toEqual([rebound]);
  });

  it('prune never takes a profile whose tag is not exactly true, and sums up in --json', async () => {
    // Prepare
    await iam.send(
      new CreateInstanceProfileCommand({
        InstanceProfileName: 'acct-loose',
        Tags: [{ Key: 'auto-instance-profile:managed', Value: ' TRUE ' }],
      }),
    );
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'acct-leftover-2', Tags: MANAGED }));

    // Act
    const { result: prune, actions } = await iamActions(() => cli('prune', '--yes', '--json'));

    // Assess
    expect(prune.code).toBe(0);
    expectGranted(actions, RELEASE_COMMAND_PERMISSIONS);
    expect(JSON.parse(prune.stdout)).toMatchObject({
      summary: { profiles: 1, deleted: 1, left: 0 },
      profiles: ['acct-leftover-2'],
      deleted: ['acct-leftover-2'],
    });
    expect(await profile('acct-loose')).toMatchObject({ Roles: [] });
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'acct-loose' }));
  });

  it('exits 255 with one line when IAM cannot be reached', async () => {
    // Prepare: STS answers, IAM is a closed port.
    const env = cliEnv(files.dir, {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:9',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });

    // Act
    const run = await runCli(['scan'], env);

    // Assess
    expect(run.code).toBe(255);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Could not connect to AWS for IAM: /)]);
  });
});
