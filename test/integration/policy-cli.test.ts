/**
 * `auto-instance-profile policy COMMAND` through the built CLI: the document it prints for every form of every command,
 * its usage errors; and every form run against a moto of its own (an organization: the caller's account and one
 * member, each with roles of every kind), each run held by test support to the policy the CLI prints for it
 * (support/policy-check.ts, evaluated by the IAM policy evaluator). The check is shown to fail on a call outside the
 * policy and on a forged profile tag.
 */
import { CreateInstanceProfileCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_ROLE } from '../../cli/org/fan-out.js';
import { COMMAND_POLICIES, type PolicyCommand } from '../../cli/policy/commands.js';
import { documentActions, policyDocument } from '../../cli/policy/document.js';
import { createMixedAccount, type MixedAccount, type MixedAccountSpec } from '../../emulator/account.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOrganization, type EmulatedOrganization } from '../../emulator/organization.js';
import { cliEnv, runCli, runCliRecorded, sharedFiles } from './support/cli.js';
import { callsOutsidePolicy } from './support/policy-check.js';

const SPEC: MixedAccountSpec = {
  ec2Missing: 4,
  ec2Covered: 1,
  adoptable: 1,
  otherService: 1,
  optedOut: 1,
  conflicting: 1,
  excluded: 1,
};

let moto: MotoServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let org: EmulatedOrganization;
let account: MixedAccount;

beforeAll(async () => {
  [moto, files] = await Promise.all([startMoto(), sharedFiles()]);
  org = await createOrganization(moto.url, [{ name: 'alpha', inOu: true }]);
  account = await createMixedAccount(org.management.iam, SPEC, 'own');
  await Promise.all(org.members.map((member) => createMixedAccount(member.iam, SPEC, member.name)));
});

afterAll(async () => {
  org?.close();
  await Promise.all([moto?.stop(), files?.remove()]);
});

/** The CLI as a user runs it against moto: the standard variables only. */
function env(): Record<string, string> {
  return cliEnv(files.dir, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });
}

const cli = (...args: string[]) => runCli(args, env());

/**
 * A command line for every form `policy` knows, in an order that leaves each the state it needs (fix before release).
 * Typed by the table: a form added there has no command line here until one is written.
 */
const FORM_RUNS: Readonly<Record<PolicyCommand, () => readonly string[]>> = {
  scan: () => ['scan', '--json'],
  fix: () => ['fix', '--yes', '--json'],
  release: () => ['release', account.names.ec2Missing[0] ?? '', '--json'],
  'release --delete': () => ['release', account.names.ec2Missing[1] ?? '', '--delete', '--json'],
  prune: () => ['prune', '--yes', '--json'],
  doctor: () => ['doctor', '--json'],
  'doctor --smoke': () => ['doctor', '--smoke', '--timeout', '1', '--json'],
  'scan --org': () => ['scan', '--org', '--json'],
  'fix --org': () => ['fix', '--org', '--yes', '--json'],
  'doctor --org': () => ['doctor', '--org', '--json'],
};

describe('policy COMMAND through the built CLI', () => {
  it('prints, for every form, the policy document built from its table, with Version 2012-10-17', async () => {
    // Act
    const runs = await Promise.all(
      Object.keys(COMMAND_POLICIES).map(async (form) => ({
        form,
        caller: await cli('policy', ...form.split(' '), '--account', '123456789012'),
        member: form.endsWith('--org') ? await cli('policy', ...form.split(' '), '--member') : undefined,
      })),
    );

    // Assess
    for (const { form, caller, member } of runs) {
      const policy = COMMAND_POLICIES[form as PolicyCommand];
      const scope = { partition: 'aws', region: 'us-east-1', memberRoleName: DEFAULT_MEMBER_ROLE };
      expect(caller.code, `${form}: ${caller.stderr}`).toBe(0);
      expect(JSON.parse(caller.stdout)).toEqual(policyDocument(policy.caller, { ...scope, account: '123456789012' }));
      expect(JSON.parse(caller.stdout)).toMatchObject({ Version: '2012-10-17' });
      if ('member' in policy) {
        expect(member?.code).toBe(0);
        expect(JSON.parse(member?.stdout ?? '')).toEqual(policyDocument(policy.member, { ...scope, account: '*' }));
      }
    }
  });

  it('names narrower resources than * wherever the action has a resource type, and never writes on *', async () => {
    // Act
    const run = await cli('policy', 'fix', '--region', 'cn-north-1', '--account', '123456789012');

    // Assess
    const document = JSON.parse(run.stdout) as { Statement: { Action: string[]; Resource: string[] }[] };
    const onStar = document.Statement.filter((statement) => statement.Resource.includes('*'));
    expect(onStar.flatMap((statement) => statement.Action).sort()).toEqual([
      'iam:GetAccountAuthorizationDetails',
      'iam:GetAccountSummary',
      'iam:ListInstanceProfiles',
    ]);
    expect(document.Statement.flatMap((statement) => statement.Resource)).toContain(
      'arn:aws-cn:iam::123456789012:instance-profile/*',
    );
  });

  it('refuses an unknown command with a suggestion, a form that does not exist, and --member without --org: exit 2', async () => {
    // Act
    const [typo, form, member, none, help] = await Promise.all([
      cli('policy', 'scna'),
      cli('policy', 'scan', '--delete'),
      cli('policy', 'scan', '--member'),
      cli('policy'),
      cli('policy', '--help'),
    ]);

    // Assess
    expect([typo.code, form.code, member.code, none.code, help.code]).toEqual([2, 2, 2, 2, 0]);
    expect(typo.stderr).toContain('unknown command "scna" (did you mean scan?)');
    expect(form.stderr).toContain('there is no "scan --delete": scan has "scan", "scan --org"');
    expect(member.stderr).toContain('--member goes with --org');
    expect(help.stdout).toContain('release --delete');
  });
});

describe('every command, run against moto, calls only what its policy allows', () => {
  it('runs each form, and the evaluator allows every call it made under the policy the CLI prints for it', async () => {
    // Prepare: an empty profile of ours, for prune.
    await org.management.iam.send(
      new CreateInstanceProfileCommand({
        InstanceProfileName: 'own-leftover',
        Tags: [{ Key: 'auto-instance-profile:managed', Value: 'true' }],
      }),
    );

    // Act: runCliRecorded rejects when a call is outside the form's policy.
    const made: Record<string, string[]> = {};
    for (const [form, args] of Object.entries(FORM_RUNS)) {
      const run = await runCliRecorded(args(), env());
      made[form] = [...new Set(run.recording.calls.map((call) => call.action))].sort();
    }

    // Assess: each form made calls, and they are its policy's.
    expect(Object.keys(made).sort()).toEqual(Object.keys(COMMAND_POLICIES).sort());
    for (const [form, actions] of Object.entries(made)) {
      const policy = COMMAND_POLICIES[form as PolicyCommand];
      const scope = { partition: 'aws', region: 'us-east-1', account: '*', memberRoleName: DEFAULT_MEMBER_ROLE };
      const allowed = new Set([
        'sts:GetCallerIdentity',
        ...documentActions(policyDocument(policy.caller, scope)),
        ...('member' in policy ? documentActions(policyDocument(policy.member, scope)) : []),
      ]);
      expect(actions.length, form).toBeGreaterThan(1);
      expect(
        actions.filter((action) => !allowed.has(action)),
        form,
      ).toEqual([]);
    }
    expect(made.fix).toEqual(expect.arrayContaining(['iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile']));
    expect(made['release --delete']).toEqual(expect.arrayContaining(['iam:DeleteInstanceProfile']));
    expect(made['fix --org']).toEqual(expect.arrayContaining(['sts:AssumeRole', 'iam:CreateInstanceProfile']));
  });

  it('finds a call outside the policy, and a write on a profile whose tag is not ours', async () => {
    // Prepare: a scan's calls, held to prune's policy; a prune's delete, on a profile whose tag was forged.
    const scan = await runCliRecorded(['scan'], env());
    await org.management.iam.send(
      new CreateInstanceProfileCommand({
        InstanceProfileName: 'own-leftover-2',
        Tags: [{ Key: 'auto-instance-profile:managed', Value: 'true' }],
      }),
    );
    const prune = await runCliRecorded(['prune', '--yes'], env());
    const forged = {
      ...prune.recording,
      calls: prune.recording.calls.map((call) =>
        call.action === 'iam:DeleteInstanceProfile' && call.profile !== undefined
          ? { ...call, profile: { ...call.profile, tags: { 'auto-instance-profile:managed': 'TRUE' } } }
          : call,
      ),
    };

    // Act
    const outside = await callsOutsidePolicy(['prune'], env(), scan.recording);
    const untagged = await callsOutsidePolicy(['prune', '--yes'], env(), forged);

    // Assess
    expect(outside).toEqual(['iam:GetAccountAuthorizationDetails: not in the policy of "prune"']);
    expect(untagged).toEqual([
      expect.stringMatching(
        /^iam:DeleteInstanceProfile: iam:DeleteInstanceProfile on arn:aws:iam::123456789012:instance-profile\/own-leftover-2 is ImplicitlyDenied by the policy of "prune"$/,
      ),
    ]);
  });
});
