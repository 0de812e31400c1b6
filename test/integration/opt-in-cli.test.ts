/**
 * `scan` and `fix` through the built CLI (dist/cli/index.mjs) in an account whose deployed stack says
 * `SELECTION=opt-in`: they decide as the service would, from the remediator's environment. Only the EC2 roles tagged
 * `auto-instance-profile:opt-in=true` are missing; the others are not selected, counted and listed apart. A moto of
 * its own, so that the summary is exact.
 */
import { CreateRoleCommand, GetInstanceProfileCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { cliEnv, runCli, sharedFiles } from './support/cli.js';
import { deployedStackInMoto } from './support/stack.js';

const OPT_IN = { Key: 'auto-instance-profile:opt-in', Value: 'true' };
const SKIP = { Key: 'auto-instance-profile:skip', Value: 'true' };
const OPTED_IN = ['in-web', 'in-batch'];
const NOT_OPTED_IN = ['out-web', 'out-batch', 'out-false'];

let moto: MotoServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let iam: IAMClient;
/** The roles the deployed stack made (its function's, its operator's): a scan counts them. */
let stackRoles = 0;

beforeAll(async () => {
  moto = await startMoto();
  files = await sharedFiles();
  iam = new IAMClient({ endpoint: moto.url });
  const stack = await deployedStackInMoto(moto.url, { SELECTION: 'opt-in' });
  stackRoles = stack.roles;
  const role = (RoleName: string, Tags: { Key: string; Value: string }[] = [], trust = EC2_TRUST_JSON) =>
    iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust, Tags }));
  for (const name of OPTED_IN) await role(name, [OPT_IN]);
  await role('out-web');
  await role('out-batch', [{ Key: 'team', Value: 'batch' }]);
  await role('out-false', [{ Key: OPT_IN.Key, Value: 'false' }]);
  await role('in-but-skipped', [OPT_IN, SKIP]);
  await role('in-lambda', [OPT_IN], EC2_TRUST_JSON.replace('ec2', 'lambda'));
});

afterAll(async () => {
  iam?.destroy();
  await moto?.stop();
  await files?.remove();
});

/** The built CLI as a user runs it; the roles were made straight in moto, so without the creators' lookup. */
function cli(...args: string[]) {
  return runCli(
    [...args, '--no-creator-lookup'],
    cliEnv(files.dir, {
      AWS_ENDPOINT_URL: moto.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    }),
  );
}

async function profileRoles(name: string): Promise<string[] | undefined> {
  try {
    const { InstanceProfile } = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    return InstanceProfile?.Roles?.map((role) => role.RoleName ?? '');
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

const sorted = (names: readonly string[]) => [...names].sort();

describe('scan and fix with the deployed stack’s SELECTION=opt-in', () => {
  it('scan counts only the opted-in EC2 roles as missing, and the others as not selected', async () => {
    // Act
    const json = await cli('scan', '--json');
    const text = await cli('scan');

    // Assess
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.summary).toEqual({
      scanned: 7 + stackRoles,
      ec2Roles: OPTED_IN.length,
      missing: OPTED_IN.length,
      conflicts: 0,
      optedOut: 1,
      notSelected: NOT_OPTED_IN.length,
      pending: 0,
      created: 0,
    });
    expect(sorted(report.missing)).toEqual(sorted(OPTED_IN));
    expect(sorted(report.notSelected)).toEqual(sorted(NOT_OPTED_IN));
    expect(report.settings).toMatchObject({
      from: 'stack',
      selection: 'opt-in',
      optInTag: 'auto-instance-profile:opt-in',
    });
    expect(text.stdout).toContain('selection opt-in: only roles tagged auto-instance-profile:opt-in=true');
    expect(text.stdout).toContain(`missing ${OPTED_IN.length}, conflicts 0, opted out 1, not selected 3`);
  });

  it('fix --yes gives profiles to the opted-in roles only; scan then finds none missing and exits 0', async () => {
    // Act
    const fix = await cli('fix', '--yes', '--json');
    const scan = await cli('scan', '--json');

    // Assess
    expect(fix.code).toBe(0);
    expect(JSON.parse(fix.stdout).summary).toMatchObject({ missing: 2, created: 2, notSelected: 3 });
    for (const name of OPTED_IN) expect(await profileRoles(name)).toEqual([name]);
    for (const name of [...NOT_OPTED_IN, 'in-but-skipped', 'in-lambda'])
      expect(await profileRoles(name)).toBeUndefined();
    // The opted-in roles now have their profiles: not missing, still EC2 roles; the others still not selected
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout).summary).toMatchObject({ ec2Roles: 2, missing: 0, notSelected: 3 });
  });
});
