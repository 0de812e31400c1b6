/**
 * The people's tools, `release` and `prune`, through the built CLI (dist/cli/index.mjs) against a moto of their own,
 * IAM through a counting proxy (issue 20, finding 10). They run with a person's own credentials and go by the tags,
 * so they ask before they change anything, and `prune` never deletes a profile whose same-name role exists. A
 * terminal is a real pseudo-terminal (util-linux `script`), so that the CLI sees `isTTY` as a person's shell gives it.
 */
import { execFile } from 'node:child_process';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELEASE_COMMAND_PERMISSIONS } from '../../core/iam/index.js';
import { EC2_TRUST_POLICY } from '../../core/trust-policy.js';
import { startIamProxy } from '../../emulator/iam-faults.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import type { ProxyServer } from '../../emulator/proxy.js';
import { CLI, type CliRun, cliEnv, runCli, sharedFiles } from './support/cli.js';
import { expectGranted } from './support/permissions.js';

const MANAGED = [{ Key: 'auto-instance-profile:managed', Value: 'true' }];

let moto: MotoServer;
let proxy: ProxyServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let iam: IAMClient;

beforeAll(async () => {
  [moto, files] = await Promise.all([startMoto(), sharedFiles()]);
  proxy = await startIamProxy(moto.url);
  iam = new IAMClient({ endpoint: moto.url });
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([moto?.stop(), files?.remove()]);
});

function env(): Record<string, string> {
  return cliEnv(files.dir, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ENDPOINT_URL_IAM: proxy.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });
}

/** The built CLI without a terminal: stdin is a pipe, as in a script or CI. */
function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, env());
}

/** The built CLI on a pseudo-terminal, typing `answer` at its question. */
function onTerminal(answer: string, ...args: string[]): Promise<CliRun> {
  const command = [process.execPath, CLI, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const child = execFile('script', ['-qec', command, '/dev/null'], { env: env(), timeout: 60_000 }, (error, out) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout: out, stderr: '' });
    });
    child.stdin?.end(`${answer}\n`);
  });
}

/** The IAM actions the proxy saw while `work` ran. */
async function iamActions<T>(work: () => Promise<T>): Promise<{ result: T; actions: string[] }> {
  const start = proxy.actions.length;
  const result = await work();
  return { result, actions: proxy.actions.slice(start) };
}

/** An EC2 role in our tagged same-name profile, as the service leaves it. */
async function roleInOurProfile(name: string): Promise<void> {
  const { Role: role } = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(EC2_TRUST_POLICY) }),
  );
  await iam.send(
    new CreateInstanceProfileCommand({
      InstanceProfileName: name,
      Tags: [...MANAGED, { Key: 'auto-instance-profile:source-role-id', Value: role?.RoleId ?? '' }],
    }),
  );
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
}

async function profile(name: string) {
  try {
    return (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

describe('release asks before it changes anything', () => {
  it.each([
    ['hands over', []],
    ['deletes', ['--delete']],
  ])(
    'without a terminal and without --yes it %s nothing: exit 2, no IAM call, and it says to pass --yes',
    async (_, extra) => {
      // Prepare
      const name = `people-unasked-${extra.length}`;
      await roleInOurProfile(name);
      const before = await profile(name);

      // Act
      const { result: run, actions } = await iamActions(() => cli('release', name, ...extra));

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('pass --yes');
      expect(actions).toEqual([]);
      expect(await profile(name)).toEqual(before);
    },
  );

  it('with --yes it deletes, as a script asks it to', async () => {
    // Prepare
    await roleInOurProfile('people-yes');

    // Act
    const { result: run, actions } = await iamActions(() => cli('release', 'people-yes', '--delete', '--yes'));

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('deleted instance profile people-yes');
    expect(await profile('people-yes')).toBeUndefined();
    expectGranted(actions, RELEASE_COMMAND_PERMISSIONS);
  });

  it('on a terminal it asks what it will do; "n" changes nothing, "y" deletes', async () => {
    // Prepare
    await roleInOurProfile('people-asked');
    const before = await profile('people-asked');

    // Act
    const declined = await onTerminal('n', 'release', 'people-asked', '--delete');
    const kept = await profile('people-asked');
    const agreed = await onTerminal('y', 'release', 'people-asked', '--delete');

    // Assess
    expect(declined.stdout).toContain(
      'Remove role people-asked from instance profile people-asked and delete the profile? [y/N]',
    );
    expect(declined.stdout).toContain('Nothing changed.');
    expect(declined.code).toBe(1);
    expect(kept).toEqual(before);
    expect(agreed.code).toBe(0);
    expect(agreed.stdout).toContain('deleted instance profile people-asked');
    expect(await profile('people-asked')).toBeUndefined();
  });

  it('refuses a profile that is not ours without asking', async () => {
    // Prepare: a console-made profile, untagged.
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'people-console',
        AssumeRolePolicyDocument: JSON.stringify(EC2_TRUST_POLICY),
      }),
    );
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'people-console' }));

    // Act
    const run = await onTerminal('y', 'release', 'people-console', '--delete');

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('[y/N]');
    expect(run.stdout).toContain('is not ours');
    expect(await profile('people-console')).toBeDefined();
  });
});

describe('prune keeps what a role may still use', () => {
  it('never deletes an empty profile of ours whose same-name role exists: it lists it as kept, with why', async () => {
    // Prepare: a role taken out of its profile (as Terraform does before a delete it has not made yet), and a true
    // leftover whose role is gone.
    await roleInOurProfile('people-emptied');
    await iam.send(
      new RemoveRoleFromInstanceProfileCommand({
        InstanceProfileName: 'people-emptied',
        RoleName: 'people-emptied',
      }),
    );
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'people-leftover', Tags: MANAGED }));

    // Act
    const { result: run, actions } = await iamActions(() => cli('prune', '--yes', '--json'));
    const text = await cli('prune');

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      summary: { profiles: 1, deleted: 1, left: 0, kept: 1 },
      profiles: ['people-leftover'],
      deleted: ['people-leftover'],
      kept: [{ profile: 'people-emptied', reason: 'role people-emptied exists: its profile is kept' }],
    });
    expect(await profile('people-emptied')).toMatchObject({ Roles: [] });
    expect(await profile('people-leftover')).toBeUndefined();
    expect((await iam.send(new GetRoleCommand({ RoleName: 'people-emptied' }))).Role?.RoleName).toBe('people-emptied');
    expectGranted(actions, RELEASE_COMMAND_PERMISSIONS);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/people-emptied +kept +role people-emptied exists/);
    expect(text.stdout).toContain('Kept 1 whose same-name role exists');
  });
});
