/**
 * `scan --org`, `fix --org` through the built CLI (dist/cli/index.mjs), against a moto of their own holding
 * an organization: the management account (the caller's, 123456789012) and three members, one of which has
 * lost OrganizationAccountAccessRole. moto would still grant AssumeRole into it; the proxy refuses it as AWS
 * does (emulator/assume-role.ts), and counts the STS and IAM calls; a test may have it interrupt the CLI (SIGINT) at
 * the first AssumeRole.
 */
import { type ChildProcess, execFile } from 'node:child_process';

import {
  CloudFormationClient,
  CreateStackCommand,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import { DeleteRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { MoveAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ROLE_IAM_PERMISSIONS } from '../../cli/org/permissions.js';
import { PROFILE_PAGE_SIZE, ROLE_PAGE_SIZE } from '../../core/iam/list-account.js';
import { readProfile } from '../../core/iam/read-state.js';
import { createMixedAccount, type MixedAccount, type MixedAccountSpec } from '../../emulator/account.js';
import { assumeRoleChecks } from '../../emulator/assume-role.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOrganization, type EmulatedOrganization } from '../../emulator/organization.js';
import { type ProxyHook, type ProxyServer, proxiedAwsEnv, startProxy } from '../../emulator/proxy.js';
import { CLI, type CliRun, cliEnv, type DoctorJson, runCli, sharedFiles } from './support/cli.js';
import { expectGranted } from './support/permissions.js';

/** The `--json` document of scan --org and fix --org. */
interface OrgJson {
  readonly command: string;
  readonly account: string;
  readonly summary: Record<'accounts' | 'scanned' | 'unreachable' | 'notStarted' | 'missing' | 'conflicts', number> & {
    readonly created?: number;
  };
  readonly complete: boolean;
  readonly accounts: readonly {
    readonly accountId: string;
    readonly name: string;
    readonly status: 'scanned' | 'unreachable' | 'not-started' | 'left-out';
    readonly error?: string;
    readonly summary?: Record<'scanned' | 'ec2Roles' | 'missing' | 'conflicts' | 'optedOut' | 'created', number>;
    readonly missing?: readonly string[];
    readonly conflicts?: readonly string[];
    readonly pending?: readonly string[];
    readonly unrecorded?: readonly string[];
    readonly record?: { readonly from: string; readonly why?: string };
    readonly checks?: readonly { readonly name: string; readonly status: string; readonly detail: string }[];
  }[];
}

/** The `--json` document of doctor --org, as far as the test reads it. */
interface OrgDoctorJson {
  readonly stackSet: {
    readonly name: string;
    readonly callAs: string;
    readonly source: string;
    readonly targets: readonly string[];
    readonly instances: readonly {
      readonly accountId: string;
      readonly region: string;
      readonly status: string;
      readonly drift: string;
    }[];
    readonly accountsWithoutInstance: readonly { readonly accountId: string; readonly name: string }[];
  };
  readonly summary: Record<string, number>;
  readonly complete: boolean;
  readonly accounts: OrgJson['accounts'];
}

const NONE: MixedAccountSpec = {
  ec2Missing: 0,
  ec2Covered: 0,
  adoptable: 0,
  otherService: 0,
  optedOut: 0,
  conflicting: 0,
  excluded: 0,
};
const SPECS: Record<string, MixedAccountSpec> = {
  management: { ...NONE, ec2Missing: 2, ec2Covered: 1, otherService: 2 },
  alpha: { ...NONE, ec2Missing: 3, adoptable: 1, conflicting: 1, optedOut: 1 },
  beta: { ...NONE, ec2Missing: 1, ec2Covered: 2, excluded: 1 },
  gamma: { ...NONE, ec2Missing: 4 },
};

let moto: MotoServer;
let proxy: ProxyServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let org: EmulatedOrganization;
const made = new Map<string, MixedAccount>();

/** What the proxy does at the next AssumeRole it receives, before forwarding it: a test's interruption. */
let atNextAssumeRole: (() => Promise<void>) | undefined;
const interrupter: ProxyHook = {
  async onRequest(request) {
    if (request.call?.service !== 'sts' || request.call.action !== 'AssumeRole') return undefined;
    const act = atNextAssumeRole;
    atNextAssumeRole = undefined;
    await act?.();
    return undefined;
  },
};

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startProxy({ targetUrl: moto.url, hooks: [interrupter, assumeRoleChecks(moto.url)] });
  files = await sharedFiles();
  org = await createOrganization(moto.url, [
    { name: 'alpha', inOu: true },
    { name: 'beta', inOu: true },
    { name: 'gamma' },
  ]);
  for (const account of [org.management, ...org.members]) {
    const key = account === org.management ? 'management' : account.name;
    made.set(account.accountId, await createMixedAccount(account.iam, SPECS[key] ?? NONE, key));
  }
  // gamma's administrators removed the role the organization reaches it through.
  await gamma().iam.send(new DeleteRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }));
});

afterAll(async () => {
  org?.close();
  await proxy?.close();
  await moto?.stop();
  await files?.remove();
});

function gamma() {
  const found = org.members.find((member) => member.name === 'gamma');
  if (found === undefined) throw new Error('no gamma');
  return found;
}

/**
 * The built CLI as a user runs it: moto through the standard variables, IAM and STS through the proxy. No account has
 * the service's stack, and the roles were made straight in moto moments ago with no CloudTrail record: `scan` and `fix`
 * run without the creators' lookup, and `fix --org` covers every account (test/integration/creators.test.ts covers
 * both the other way).
 */
function cli(...args: string[]) {
  return runCli(withLookups(args), cliEnv(files.dir, proxiedAwsEnv(moto.url, proxy)));
}

function withLookups(args: readonly string[]): string[] {
  const extra =
    args[0] === 'scan' ? ['--no-creator-lookup'] : args[0] === 'fix' ? ['--no-creator-lookup', '--all-accounts'] : [];
  return [...args, ...extra];
}

/** The built CLI as `cli` runs it, with its process, for a test to signal. */
function cliProcess(...args: string[]): { readonly child: ChildProcess; readonly run: Promise<CliRun> } {
  let child: ChildProcess | undefined;
  const run = new Promise<CliRun>((resolve) => {
    child = execFile(
      process.execPath,
      [CLI, ...withLookups(args)],
      { env: cliEnv(files.dir, proxiedAwsEnv(moto.url, proxy)), timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
  if (child === undefined) throw new Error('the CLI did not start');
  return { child, run };
}

/**
 * The built CLI as `cli` runs it, on a pseudo-terminal (`script`, as test/integration/people-tools.test.ts does),
 * typing `answer` at its question: stdout and stderr in the order written, without the progress line's redraws.
 */
function onTerminal(answer: string, ...args: string[]): Promise<CliRun> {
  const command = [process.execPath, CLI, ...withLookups(args)]
    .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
    .join(' ');
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { env: cliEnv(files.dir, proxiedAwsEnv(moto.url, proxy)), timeout: 90_000 },
      (error, out) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        // Each state of the progress line is erased by the next, the last by the erase before what follows.
        const erase = '\r\u001b[2K';
        const text = out
          .split(erase)
          .filter((part, index, parts) => index === parts.length - 1 || /[\r\n]/.test(part))
          .join('')
          .replaceAll('\r\n', '\n');
        resolve({ code, stdout: text, stderr: '' });
      },
    );
    child.stdin?.end(`${answer}\n`);
  });
}

/** What the proxy saw while `work` ran: STS and IAM actions. */
async function calls<T>(work: () => Promise<T>) {
  const start = proxy.calls.length;
  const result = await work();
  const seen = proxy.calls.slice(start);
  return {
    result,
    sts: seen.filter((call) => call.service === 'sts').map((call) => call.action),
    iam: seen.filter((call) => call.service === 'iam').map((call) => call.action),
  };
}

async function hasProfile(iam: IAMClient, name: string): Promise<boolean> {
  return (await readProfile(iam, name)) !== 'absent';
}

/**
 * The roles each reachable account must name, sorted: no account has the service deployed, so `--org` reads no record
 * and the adoptable profiles (tagged as ours, empty) are unrecorded conflicts.
 */
function expectedNames(accountId: string) {
  const names = made.get(accountId)?.names;
  if (names === undefined) throw new Error(`nothing made in ${accountId}`);
  return {
    missing: [...names.ec2Missing].sort(),
    conflicts: [...names.conflicting, ...names.adoptable].sort(),
    pending: [],
    unrecorded: [...names.adoptable].sort(),
  };
}

/** An entry's lists of roles, sorted. */
function namesOf(entry: OrgJson['accounts'][number] | undefined) {
  const sorted = (names: readonly string[] | undefined) => [...(names ?? [])].sort();
  return {
    missing: sorted(entry?.missing),
    conflicts: sorted(entry?.conflicts),
    pending: sorted(entry?.pending),
    unrecorded: sorted(entry?.unrecorded),
  };
}

/** What each reachable account must report: the spec's counts; members also hold OrganizationAccountAccessRole. */
function expectedSummary(accountId: string) {
  const account = made.get(accountId);
  if (account === undefined) throw new Error(`nothing made in ${accountId}`);
  const extra = accountId === org.management.accountId ? 0 : 1;
  return { ...account.expected, scanned: account.expected.scanned + extra };
}

describe('scan --org and fix --org through the built CLI', () => {
  it('scan --org --json reports every account, the management account on its own credentials, the unreachable one with its error code, and exits 1', async () => {
    // Act
    const { result: run, sts, iam } = await calls(() => cli('scan', '--org', '--json'));

    // Assess
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as OrgJson;
    const reachable = [org.management, ...org.members.filter((member) => member.name !== 'gamma')];
    expect(report.summary).toEqual({
      accounts: 4,
      scanned: 3,
      unreachable: 1,
      notStarted: 0,
      missing: reachable.reduce((sum, account) => sum + expectedSummary(account.accountId).missing, 0),
      conflicts: reachable.reduce((sum, account) => sum + expectedSummary(account.accountId).conflicts, 0),
    });
    // gamma was not reached: the report does not cover the whole organization.
    expect(report.complete).toBe(false);
    expect(report.accounts.map((entry) => entry.accountId).sort()).toEqual(
      [org.management, ...org.members].map((account) => account.accountId).sort(),
    );
    for (const account of reachable) {
      const entry = report.accounts.find((candidate) => candidate.accountId === account.accountId);
      expect(entry).toEqual({
        accountId: account.accountId,
        name: account.name,
        status: 'scanned',
        summary: expectedSummary(account.accountId),
        missing: expect.any(Array),
        conflicts: expect.any(Array),
        pending: [],
        notSelected: [],
        settings: expect.objectContaining({ from: 'defaults', creatorLookup: false }),
        record: { from: 'none', why: expect.stringMatching(/^no AutoInstanceProfile stack/) },
        unrecorded: expect.any(Array),
      });
      expect(namesOf(entry)).toEqual(expectedNames(account.accountId));
    }
    const unreachable = report.accounts.find((entry) => entry.accountId === gamma().accountId);
    expect(unreachable).toMatchObject({ name: 'gamma', status: 'unreachable' });
    expect(unreachable?.error).toMatch(/^AccessDenied: .*sts:AssumeRole.*OrganizationAccountAccessRole/);
    expect(unreachable).not.toHaveProperty('summary');
    // The cost: one AssumeRole per member (none for the caller's own account); per reachable account, one page
    // of each listing plus one GetInstanceProfile per same-name profile to read (alpha's adoptable and conflict).
    expect(sts.filter((action) => action === 'AssumeRole')).toHaveLength(3);
    expect(sts.filter((action) => action !== 'AssumeRole')).toEqual(['GetCallerIdentity']);
    const pages = 3 * (Math.ceil(10 / ROLE_PAGE_SIZE) + Math.ceil(10 / PROFILE_PAGE_SIZE));
    expect(iam).toHaveLength(pages + 2);
  });

  it('scan --org narrows to --ou and --accounts, and prints a line per account with the totals', async () => {
    // Act
    const byOu = await cli('scan', '--org', '--ou', org.ouId, '--json');
    const byId = await cli('scan', '--org', '--accounts', org.management.accountId, '--concurrency', '1');

    // Assess
    const ou = JSON.parse(byOu.stdout) as OrgJson;
    expect(ou.accounts.map((entry) => entry.name).sort()).toEqual(['alpha', 'beta']);
    expect(ou.summary).toMatchObject({ accounts: 2, scanned: 2, unreachable: 0, notStarted: 0 });
    expect(ou.complete).toBe(true);
    expect(byId.code).toBe(1);
    const { accountId, name } = org.management;
    for (const role of expectedNames(accountId).missing) {
      expect(byId.stdout).toMatch(
        new RegExp(`\\n  ${accountId}  ${name} +${role} +missing +no instance profile; ${role} to create\\n`),
      );
    }
    expect(byId.stdout).toMatch(new RegExp(`\\n  ${accountId}  ${name} +scanned +2 +0 +defaults *\\n`));
    // One account, in the singular; complete: no line says otherwise.
    expect(byId.stdout).toContain('Organization: 1 account, scanned 1, unreachable 0; missing 2, conflicts 0.\n');
    expect(byId.stdout).not.toContain('Incomplete');
  });

  it('scan --org --summary gives the counts per account, without the lists of roles', async () => {
    // Act
    const json = await cli('scan', '--org', '--summary', '--json');
    const text = await cli('scan', '--org', '--summary');

    // Assess
    expect(json.code, json.stderr).toBe(1);
    const report = JSON.parse(json.stdout) as OrgJson;
    for (const entry of report.accounts.filter((candidate) => candidate.status === 'scanned')) {
      expect(entry.summary).toEqual(expectedSummary(entry.accountId));
      expect(Object.keys(entry)).not.toContain('missing');
      expect(Object.keys(entry)).not.toContain('conflicts');
    }
    expect(text.code).toBe(1);
    expect(text.stdout).not.toContain('ROLE');
    expect(text.stdout).toContain(
      `Incomplete: 1 of 4 accounts not covered: ${gamma().accountId} (gamma) unreachable.\n`,
    );
  });

  it('refuses bad --org options with exit code 2, and fix --org without --yes off a terminal', async () => {
    // Act
    const runs = await Promise.all([
      cli('scan', '--accounts', '123456789012'),
      cli('scan', '--org', '--concurrency', '0'),
      cli('scan', '--org', '--accounts', '12345'),
      cli('scan', '--org', '--accounts', '999999999999'),
      cli('fix', '--org'),
    ]);

    // Assess
    expect(runs.map((run) => run.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs.map((run) => run.stderr.split('\n')[0])).toEqual([
      'auto-instance-profile scan: --accounts goes with --org (see auto-instance-profile scan --help)',
      'auto-instance-profile scan: --concurrency must be a whole number from 1 to 64, not "0" (see auto-instance-profile scan --help)',
      'auto-instance-profile scan: --accounts takes 12-digit account IDs, not "12345" (see auto-instance-profile scan --help)',
      'auto-instance-profile scan: not an active account of the organization: 999999999999 (see auto-instance-profile scan --help)',
      'auto-instance-profile fix: fix changes IAM: pass --yes to confirm when not on a terminal (see auto-instance-profile fix --help)',
    ]);
  });

  it('fix --org on a terminal lists what it will create, by account and role, before it asks; on no it says "Nothing changed." and changes nothing', async () => {
    // Act
    const { result: run, iam } = await calls(() => onTerminal('n', 'fix', '--org'));

    // Assess
    expect(run.code, run.stdout).toBe(1);
    const question = run.stdout.indexOf('instance profiles in 3 accounts? [y/N]');
    expect(question, run.stdout).toBeGreaterThan(0);
    const reachable = [org.management, ...org.members.filter((member) => member.name !== 'gamma')];
    for (const account of reachable) {
      for (const role of expectedNames(account.accountId).missing) {
        const row = new RegExp(`\\n  ${account.accountId}  ${account.name} +${role} +missing +no instance profile`);
        expect(row.exec(run.stdout)?.index ?? -1, role).toBeGreaterThan(0);
        expect(row.exec(run.stdout)?.index ?? Infinity, role).toBeLessThan(question);
      }
    }
    const after = run.stdout.slice(question);
    expect(after).toContain('\nNothing changed.\n');
    expect(after).toContain(`Incomplete: 1 of 4 accounts not covered: ${gamma().accountId} (gamma) unreachable.`);
    expect(iam.filter((action) => !/^(List|Get)/.test(action))).toEqual([]);
  });

  it('fix --org --yes creates exactly the missing profiles in reachable accounts, nothing in the unreachable one; a rescan finds nothing missing', async () => {
    // Prepare
    const reachable = [org.management, ...org.members.filter((member) => member.name !== 'gamma')];
    const missingBefore = reachable.reduce((sum, account) => sum + expectedSummary(account.accountId).missing, 0);

    // Act
    const { result: fix, iam: fixCalls } = await calls(() => cli('fix', '--org', '--yes', '--json'));
    const rescan = await cli('scan', '--org', '--json');

    // Assess
    const fixed = JSON.parse(fix.stdout) as OrgJson;
    // Conflicts remain and gamma is out of reach: exit code 1.
    expect(fix.code, fix.stderr).toBe(1);
    expect(fixed.summary).toMatchObject({ accounts: 4, scanned: 3, unreachable: 1, created: missingBefore });
    expect(fixed.complete).toBe(false);
    for (const account of reachable) {
      const entry = fixed.accounts.find((candidate) => candidate.accountId === account.accountId);
      expect(entry?.summary?.created).toBe(expectedSummary(account.accountId).missing);
      const names = made.get(account.accountId)?.names;
      for (const role of names?.ec2Missing ?? []) {
        expect(await hasProfile(account.iam, role)).toBe(true);
      }
    }
    for (const role of made.get(gamma().accountId)?.names.ec2Missing ?? []) {
      expect(await hasProfile(gamma().iam, role)).toBe(false);
    }
    // Every IAM call is one the least-privilege member role (infra/org-access-role.ts) is granted.
    expectGranted(fixCalls, MEMBER_ROLE_IAM_PERMISSIONS);
    expect(fixCalls).toContain('CreateInstanceProfile');
    // The cost: the scan's calls (as above: 8); one GetAccountSummary per account that creates (its quota headroom,
    // read once for the account); CreateInstanceProfile and AddRoleToInstanceProfile for each profile created. No
    // account has the service deployed, so none has an ownership record: an empty profile tagged as ours proves
    // nothing, it is a conflict (unrecorded), and fix links none.
    const creates = reachable.reduce(
      (sum, account) => sum + (made.get(account.accountId)?.names.ec2Missing.length ?? 0),
      0,
    );
    const creating = reachable.filter((account) => (made.get(account.accountId)?.names.ec2Missing.length ?? 0) > 0);
    expect(fixCalls.filter((action) => action === 'GetAccountSummary')).toHaveLength(creating.length);
    expect(fixCalls).not.toContain('TagInstanceProfile');
    expect(fixCalls).toHaveLength(8 + creating.length + 2 * creates);
    const after = JSON.parse(rescan.stdout) as OrgJson;
    expect(after.summary).toMatchObject({ scanned: 3, unreachable: 1, missing: 0 });
    expect(after.accounts.filter((entry) => entry.status === 'scanned').map((entry) => entry.summary?.missing)).toEqual(
      [0, 0, 0],
    );
  });
});

describe('an interrupted --org command', () => {
  it('finishes the account under way, reports the others as not started, says it is not complete, and exits 130', async () => {
    // Prepare: SIGINT at the first AssumeRole, one account at a time; the AssumeRole goes on once the CLI has it.
    const { child, run } = cliProcess('scan', '--org', '--json', '--concurrency', '1');
    atNextAssumeRole = async () => {
      child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 500));
    };

    // Act
    const result = await run;

    // Assess
    atNextAssumeRole = undefined;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as OrgJson;
    expect(report.complete).toBe(false);
    const notStarted = report.accounts.filter((entry) => entry.status === 'not-started');
    // The management account needs no AssumeRole, and the member under way at the signal is finished.
    expect(notStarted.length).toBeGreaterThanOrEqual(2);
    expect(report.summary.notStarted).toBe(notStarted.length);
    expect(report.summary.scanned + report.summary.unreachable + report.summary.notStarted).toBe(4);
    for (const entry of notStarted) {
      expect(entry).toEqual({
        accountId: entry.accountId,
        name: entry.name,
        status: 'not-started',
        error: 'interrupted before its turn',
      });
    }
  });
});

describe('doctor --org through the built CLI', () => {
  it('names CallAs only when it was given (or read from the organization stack: below), with where it came from', async () => {
    // Act: no organization stack yet
    const [plain, given] = await Promise.all([
      cli('doctor', '--org', '--accounts', org.management.accountId),
      cli('doctor', '--org', '--accounts', org.management.accountId, '--call-as', 'SELF'),
    ]);

    // Assess
    expect(plain.stdout.split('\n')[1]).toBe('StackSet AutoInstanceProfile (the default); targets unknown');
    expect(given.stdout.split('\n')[1]).toBe(
      'StackSet AutoInstanceProfile (the default), CallAs SELF (--call-as); targets unknown',
    );
  });

  it("reports the StackSet's instances, a targeted account without one, and each reachable account's doctor summary as doctor gives it", async () => {
    // Prepare: the organization stack's outputs name the StackSet and its OU; the StackSet deploys to alpha and
    // beta; gamma joins the OU afterwards, without an instance.
    const config = { region: 'us-east-1', endpoint: moto.url, credentials: org.management.credentials };
    const cloudformation = new CloudFormationClient(config);
    const organizations = new OrganizationsClient(config);
    const topic = JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
    await cloudformation.send(
      new CreateStackCommand({
        StackName: 'AutoInstanceProfileOrg',
        TemplateBody: JSON.stringify({
          Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
          Outputs: {
            StackSetName: { Value: 'AutoInstanceProfile' },
            CallAs: { Value: 'SELF' },
            DeploymentTargets: { Value: org.ouId },
          },
        }),
      }),
    );
    await cloudformation.send(
      new CreateStackSetCommand({
        StackSetName: 'AutoInstanceProfile',
        TemplateBody: topic,
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      }),
    );
    await cloudformation.send(
      new CreateStackInstancesCommand({
        StackSetName: 'AutoInstanceProfile',
        DeploymentTargets: { OrganizationalUnitIds: [org.ouId] },
        Regions: ['us-east-1'],
      }),
    );
    await organizations.send(
      new MoveAccountCommand({
        AccountId: gamma().accountId,
        SourceParentId: org.rootId,
        DestinationParentId: org.ouId,
      }),
    );
    cloudformation.destroy();
    organizations.destroy();
    const members = org.members.filter((member) => member.name !== 'gamma');

    // Act
    const run = await cli('doctor', '--org', '--json');
    const text = await cli('doctor', '--org');
    const single = await Promise.all(
      [org.management, ...members].map(async (account) => {
        const { accessKeyId, secretAccessKey, sessionToken } = account.credentials;
        const alone = await runCli(
          ['doctor', '--json'],
          cliEnv(files.dir, {
            AWS_ENDPOINT_URL: moto.url,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: accessKeyId,
            AWS_SECRET_ACCESS_KEY: secretAccessKey,
            ...(sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: sessionToken }),
          }),
        );
        return [account.accountId, JSON.parse(alone.stdout) as DoctorJson] as const;
      }),
    );

    // Assess
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as OrgDoctorJson;
    expect(report.stackSet).toMatchObject({
      name: 'AutoInstanceProfile',
      callAs: 'SELF',
      source: 'organization stack',
      targets: [org.ouId],
      accountsWithoutInstance: [{ accountId: gamma().accountId, name: 'gamma' }],
    });
    expect(report.stackSet.instances.map((instance) => instance.accountId).sort()).toEqual(
      members.map((member) => member.accountId).sort(),
    );
    for (const instance of report.stackSet.instances) {
      expect(instance).toMatchObject({ region: 'us-east-1', status: 'CURRENT', drift: 'NOT_CHECKED' });
    }
    expect(report.summary).toMatchObject({
      accounts: 4,
      scanned: 3,
      unreachable: 1,
      instances: 2,
      unhealthyInstances: 0,
      accountsWithoutInstance: 1,
    });
    for (const [accountId, alone] of single) {
      // doctor --org leaves out the ownership check, which reads every profile of each account.
      const ownership = alone.checks.find((check) => check.name === 'ownership');
      const summary: Record<string, number> = { ...alone.summary };
      if (ownership !== undefined) summary[ownership.status] = (summary[ownership.status] ?? 0) - 1;
      const checks = alone.checks.filter((check) => check.name !== 'ownership');
      const entry = report.accounts.find((candidate) => candidate.accountId === accountId);
      expect(entry).toMatchObject({ status: 'scanned', summary: { ...summary, stack: alone.stack } });
      // Each check as doctor gives it in the account, by name, with its detail.
      expect(entry?.checks).toEqual(checks);
      // The text names the checks that failed, on the account's line and with their detail.
      const failed = checks.filter((check) => check.status === 'failed');
      expect(failed.length).toBeGreaterThan(0);
      expect(text.stdout).toMatch(
        new RegExp(`\\n  ${accountId} .*; failed ${failed.map((check) => check.name).join(', ')}(;|\\n)`),
      );
      const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      for (const check of failed) {
        expect(text.stdout).toMatch(
          new RegExp(`\\n  ${accountId}  ${entry?.name} +${check.name} +failed +${literal(check.detail)}\\n`),
        );
      }
    }
    expect(report.accounts.find((entry) => entry.accountId === gamma().accountId)?.error).toMatch(/^AccessDenied: /);
    expect(report.complete).toBe(false);
    // CallAs from the organization stack's output, said so; gamma not covered, said so.
    expect(text.stdout.split('\n')[1]).toBe(
      `StackSet AutoInstanceProfile (the organization stack's output), CallAs SELF (the organization stack's output); targets ${org.ouId}`,
    );
    expect(text.stdout).toContain(`Incomplete: 1 of 4 accounts not covered: ${gamma().accountId} (gamma) unreachable.`);
  });
});
