/**
 * `auto-instance-profile policy COMMAND` through the built CLI: the document it prints for every form of every command,
 * its usage errors; and every form run against a moto of its own (an organization: the caller's account, with the
 * service's stack deployed as the CLI reads it (its settings, its ownership table, its operator role), and one member,
 * each with roles of every kind), each run held by test support to the policy the CLI prints for it, the operator
 * role's calls to its `--operator` side (support/policy-check.ts, evaluated by the IAM policy evaluator with the
 * role's trust and the table's policy as moto holds them). The check is shown to fail on a call outside the policy
 * and on a forged profile tag.
 */
import { CreateInstanceProfileCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_POLICIES, type CommandPolicy, type PolicyCommand } from '../../cli/policy/commands.js';
import { documentActions, policyDocument } from '../../cli/policy/document.js';
import { ownershipTablePolicy } from '../../core/dynamodb/ownership-table.js';
import { DEFAULT_MEMBER_ROLE } from '../../core/member-role.js';
import { createMixedAccount, type MixedAccount, type MixedAccountSpec } from '../../emulator/account.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOrganization, type EmulatedOrganization } from '../../emulator/organization.js';
import { cliEnv, runCli, runCliRecorded, sharedFiles } from './support/cli.js';
import { callsOutsidePolicy, type Recording } from './support/policy-check.js';
import { type ServiceInMoto, serviceInMoto } from './support/service-in-moto.js';
import { deployedStackInMoto } from './support/stack.js';

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
/** What `fix` called in the first run of every form, for the checks of the checks. */
let fixRecording: Recording | undefined;
/** The service's queues, remediator and mappings, for pause and resume: in the caller's account and in alpha. */
const services: ServiceInMoto[] = [];
/** Their stack's name: not the one deployedStackInMoto gives the caller's account, which has no mappings. */
const PAUSED_STACK = 'AutoInstanceProfile-Pausable';

beforeAll(async () => {
  [moto, files] = await Promise.all([startMoto(), sharedFiles()]);
  // fix --org hands the caller's account over to its service (one Invoke): moto's simple Lambda answers without docker.
  await fetch(`${moto.url}/moto-api/config`, {
    method: 'POST',
    body: JSON.stringify({ lambda: { use_docker: false } }),
  });
  org = await createOrganization(moto.url, [{ name: 'alpha', inOu: true }]);
  // The service in the caller's account: scan and fix read its settings and record, fix and confirm write through its
  // operator role.
  const stack = await deployedStackInMoto(moto.url);
  account = await createMixedAccount(org.management.iam, SPEC, 'own', { records: stack.records });
  await Promise.all(org.members.map((member) => createMixedAccount(member.iam, SPEC, member.name)));
  const [alpha] = org.members;
  const place = { endpoint: moto.url, region: 'us-east-1' };
  services.push(
    await serviceInMoto(
      { ...place, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
      { stackName: PAUSED_STACK, name: 'policy-own' },
    ),
  );
  if (alpha !== undefined) {
    services.push(
      await serviceInMoto(
        { ...place, credentials: alpha.credentials },
        { stackName: PAUSED_STACK, name: 'policy-alpha' },
      ),
    );
  }
});

afterAll(async () => {
  for (const service of services) service.destroy();
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
 * A command line for every form `policy` knows, in an order that leaves each the state it needs (fix before release,
 * confirm before prune).
 * Typed by the table: a form added there has no command line here until one is written.
 */
const FORM_RUNS: Readonly<Record<PolicyCommand, () => readonly string[]>> = {
  scan: () => ['scan', '--json'],
  // The roles are too new for CloudTrail's history (moto's has none of them): the scans look their creators up, and
  // the fixes go without, so that they make what they would make.
  fix: () => ['fix', '--yes', '--no-creator-lookup', '--json'],
  // Before prune, which would delete the empty profile it confirms.
  confirm: () => ['confirm', 'own-legacy', '--yes', '--json'],
  release: () => ['release', account.names.ec2Missing[0] ?? '', '--yes', '--json'],
  'release --delete': () => ['release', account.names.ec2Missing[1] ?? '', '--delete', '--yes', '--json'],
  prune: () => ['prune', '--yes', '--json'],
  doctor: () => ['doctor', '--json'],
  'doctor --smoke': () => ['doctor', '--smoke', '--timeout', '1', '--json'],
  'scan --org': () => ['scan', '--org', '--json'],
  // The caller's account has the service: handed over; the member has none: fixed through the member role.
  'fix --org': () => ['fix', '--org', '--all-accounts', '--yes', '--no-creator-lookup', '--json'],
  'doctor --org': () => ['doctor', '--org', '--json'],
  decisions: () => ['decisions', '--json'],
  'decisions --org': () => ['decisions', '--org', '--json'],
  pause: () => ['pause', '--stack-name', PAUSED_STACK, '--yes', '--json'],
  resume: () => ['resume', '--stack-name', PAUSED_STACK, '--yes', '--json'],
  'pause --org': () => ['pause', '--org', '--stack-name', PAUSED_STACK, '--yes', '--json'],
  'resume --org': () => ['resume', '--org', '--stack-name', PAUSED_STACK, '--yes', '--json'],
};

describe('policy COMMAND through the built CLI', () => {
  it('prints, for every form, the policy document built from its table, with Version 2012-10-17', async () => {
    // Act
    const runs = await Promise.all(
      Object.entries(COMMAND_POLICIES as Readonly<Record<string, CommandPolicy>>).map(async ([form, policy]) => ({
        form,
        caller: await cli('policy', ...form.split(' '), '--account', '123456789012'),
        member: policy.member === undefined ? undefined : await cli('policy', ...form.split(' '), '--member'),
        operator: policy.operator === undefined ? undefined : await cli('policy', ...form.split(' '), '--operator'),
      })),
    );

    // Assess
    for (const { form, caller, member, operator } of runs) {
      const policy: CommandPolicy = COMMAND_POLICIES[form as PolicyCommand];
      const scope = { partition: 'aws', region: 'us-east-1', memberRoleName: DEFAULT_MEMBER_ROLE };
      expect(caller.code, `${form}: ${caller.stderr}`).toBe(0);
      expect(JSON.parse(caller.stdout)).toEqual(policyDocument(policy.caller, { ...scope, account: '123456789012' }));
      expect(JSON.parse(caller.stdout)).toMatchObject({ Version: '2012-10-17' });
      if (policy.member !== undefined) {
        expect(member?.code).toBe(0);
        expect(JSON.parse(member?.stdout ?? '')).toEqual(policyDocument(policy.member, { ...scope, account: '*' }));
      }
      if (policy.operator !== undefined) {
        expect(operator?.code).toBe(0);
        expect(JSON.parse(operator?.stdout ?? '')).toEqual(policyDocument(policy.operator, { ...scope, account: '*' }));
      }
    }
    expect(runs.filter((run) => run.operator !== undefined).map((run) => run.form)).toEqual(['fix', 'confirm']);
  });

  it('names narrower resources than * wherever the action has a resource type, and never writes on *', async () => {
    // Act
    const run = await cli('policy', 'fix', '--region', 'cn-north-1', '--account', '123456789012');

    // Assess
    const document = JSON.parse(run.stdout) as { Statement: { Action: string[]; Resource: string[] }[] };
    const onStar = document.Statement.filter((statement) => statement.Resource.includes('*'));
    expect(onStar.flatMap((statement) => statement.Action).sort()).toEqual([
      'cloudformation:DescribeStacks',
      'cloudtrail:LookupEvents',
      'iam:GetAccountAuthorizationDetails',
      'iam:GetAccountSummary',
      'iam:ListInstanceProfiles',
    ]);
    expect(document.Statement.flatMap((statement) => statement.Resource)).toEqual(
      expect.arrayContaining([
        'arn:aws-cn:iam::123456789012:instance-profile/*',
        'arn:aws-cn:dynamodb:cn-north-1:123456789012:table/*',
        'arn:aws-cn:iam::123456789012:role/auto-instance-profile/*',
        'arn:aws-cn:lambda:cn-north-1:123456789012:function:*',
      ]),
    );
  });

  it('refuses an unknown command with a suggestion, a form that does not exist, and --member without --org: exit 2', async () => {
    // Act
    const [typo, form, member, none, help, operator] = await Promise.all([
      cli('policy', 'scna'),
      cli('policy', 'scan', '--delete'),
      cli('policy', 'scan', '--member'),
      cli('policy'),
      cli('policy', '--help'),
      cli('policy', 'scan', '--operator'),
    ]);

    // Assess
    expect([typo.code, form.code, member.code, none.code, help.code, operator.code]).toEqual([2, 2, 2, 2, 0, 2]);
    expect(typo.stderr).toContain('unknown command "scna" (did you mean scan?)');
    expect(form.stderr).toContain('there is no "scan --delete": scan has "scan", "scan --org"');
    expect(member.stderr).toContain('--member goes with --org');
    expect(operator.stderr).toContain(
      '"scan" writes nothing through the operator role: --operator goes with fix, confirm',
    );
    expect(help.stdout).toContain('release --delete');
  });
});

describe('every command, run against moto, calls only what its policy allows', () => {
  it('runs each form, and the evaluator allows every call it made under the policy the CLI prints for it', async () => {
    // Prepare: an empty profile of ours, for prune; one the service made before it kept records, for confirm.
    for (const name of ['own-leftover', 'own-legacy']) {
      await org.management.iam.send(
        new CreateInstanceProfileCommand({
          InstanceProfileName: name,
          Tags: [{ Key: 'auto-instance-profile:managed', Value: 'true' }],
        }),
      );
    }

    // Act: runCliRecorded rejects when a call is outside the form's policy.
    const made: Record<string, string[]> = {};
    const codes: Record<string, number> = {};
    for (const [form, args] of Object.entries(FORM_RUNS)) {
      const run = await runCliRecorded(args(), env());
      made[form] = [...new Set(run.recording.calls.map((call) => call.action))].sort();
      codes[form] = run.code;
      if (form === 'fix') fixRecording = run.recording;
    }

    // Assess: each form made calls, and they are its policy's; none was stopped by a refusal it could not get past.
    expect(Object.keys(made).sort()).toEqual(Object.keys(COMMAND_POLICIES).sort());
    expect(Object.entries(codes).filter(([, code]) => code !== 0 && code !== 1)).toEqual([]);
    for (const [form, actions] of Object.entries(made)) {
      const policy: CommandPolicy = COMMAND_POLICIES[form as PolicyCommand];
      const scope = { partition: 'aws', region: 'us-east-1', account: '*', memberRoleName: DEFAULT_MEMBER_ROLE };
      const allowed = new Set([
        'sts:GetCallerIdentity',
        ...documentActions(policyDocument(policy.caller, scope)),
        ...documentActions(policyDocument(policy.member ?? [], scope)),
        ...documentActions(policyDocument(policy.operator ?? [], scope)),
      ]);
      expect(actions.length, form).toBeGreaterThan(1);
      expect(
        actions.filter((action) => !allowed.has(action)),
        form,
      ).toEqual([]);
    }
    expect(made.fix).toEqual(
      expect.arrayContaining([
        'iam:CreateInstanceProfile',
        'iam:AddRoleToInstanceProfile',
        'cloudformation:DescribeStacks',
        'lambda:GetFunctionConfiguration',
        'dynamodb:GetItem',
        'sts:AssumeRole',
        'dynamodb:UpdateItem',
      ]),
    );
    expect(made.confirm).toEqual(
      expect.arrayContaining(['iam:GetInstanceProfile', 'sts:AssumeRole', 'dynamodb:UpdateItem']),
    );
    expect(made.prune).toEqual(expect.arrayContaining(['iam:GetRole', 'iam:DeleteInstanceProfile']));
    expect(made['release --delete']).toEqual(expect.arrayContaining(['iam:DeleteInstanceProfile']));
    expect(made['fix --org']).toEqual(
      expect.arrayContaining(['sts:AssumeRole', 'iam:CreateInstanceProfile', 'lambda:InvokeFunction']),
    );
    for (const form of ['pause', 'resume', 'pause --org', 'resume --org'] as const) {
      expect(codes[form], form).toBe(0);
      expect(made[form], form).toEqual(expect.arrayContaining(['lambda:UpdateEventSourceMapping']));
    }
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
    expect(outside).toEqual(
      expect.arrayContaining([
        'iam:GetAccountAuthorizationDetails: not in the policy of "prune"',
        'cloudformation:DescribeStacks: not in the policy of "prune"',
        'lambda:GetFunctionConfiguration: not in the policy of "prune"',
        'cloudtrail:LookupEvents: not in the policy of "prune"',
      ]),
    );
    expect(outside.filter((line) => !line.endsWith('not in the policy of "prune"'))).toEqual([]);
    expect(untagged).toEqual([
      expect.stringMatching(
        /^iam:DeleteInstanceProfile: iam:DeleteInstanceProfile on arn:aws:iam::123456789012:instance-profile\/own-leftover-2 is ImplicitlyDenied by the policy of "prune"$/,
      ),
    ]);
  });

  it("holds fix's writes through the operator role to the role's trust and the table's policy as moto holds them", async () => {
    // Prepare: fix's own calls, read with the resources' policies; then the same with a trust that names another
    // account and a table that admits another writer.
    const recording = fixRecording;
    if (recording === undefined) throw new Error('fix did not run');
    const writes = recording.calls.filter((call) => call.action === 'dynamodb:UpdateItem');
    const assumes = recording.calls.filter((call) => call.action === 'sts:AssumeRole');
    const forged = {
      ...recording,
      calls: recording.calls.map((call) =>
        call === writes[0]
          ? {
              ...call,
              resourcePolicy: ownershipTablePolicy(['arn:aws:iam::123456789012:role/auto-instance-profile/Other']),
            }
          : call === assumes[0]
            ? {
                ...call,
                resourcePolicy: {
                  Version: '2012-10-17',
                  Statement: [
                    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' },
                  ],
                },
              }
            : call,
      ),
    };

    // Act
    const held = await callsOutsidePolicy(['fix'], env(), recording);
    const refused = await callsOutsidePolicy(['fix'], env(), forged);

    // Assess
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((call) => call.resourcePolicy !== undefined)).toBe(true);
    expect(assumes.every((call) => call.resourcePolicy !== undefined)).toBe(true);
    expect(held).toEqual([]);
    expect(refused.sort()).toEqual([
      expect.stringMatching(
        /^dynamodb:UpdateItem: dynamodb:UpdateItem on arn:aws:dynamodb:us-east-1:123456789012:table\/\S+ is ExplicitlyDenied by the policy of "fix --operator"$/,
      ),
      expect.stringMatching(
        /^sts:AssumeRole: sts:AssumeRole on arn:aws:iam::123456789012:role\/auto-instance-profile\/\S+ is ImplicitlyDenied by the policy of "fix"$/,
      ),
    ]);
  });
});
