/**
 * The user's own scenario, end to end: the exact AWS CLI commands a user types, against moto, then the
 * CreateRole event delivered through SQS to the built bundle, then the user's check.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { invokeBundle, sqsBatch } from './support/bundle.js';

const run = promisify(execFile);
let workdir: string;

/** Runs `aws ...` in the user's working directory; AWS_ENDPOINT_URL points it at moto. */
async function aws(...args: string[]): Promise<string> {
  const { stdout } = await run('aws', args, { cwd: workdir, env: { ...process.env, AWS_PAGER: '' } });
  return stdout;
}

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'user-scenario-'));
  await writeFile(join(workdir, 'assumeRole.json'), EC2_TRUST_JSON);
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

describe('the user creates an EC2 role with the CLI', () => {
  it('ends with the role in an instance profile of the same name', async () => {
    // Prepare: the user's commands, exactly as typed
    await aws(
      'iam',
      'create-role',
      '--role-name',
      'CLI-EC2-role',
      '--assume-role-policy-document',
      'file://assumeRole.json',
    );
    await aws(
      'iam',
      'attach-role-policy',
      '--role-name',
      'CLI-EC2-role',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
    );
    const before = JSON.parse(await aws('iam', 'list-instance-profiles-for-role', '--role-name', 'CLI-EC2-role'));
    const event = JSON.parse(await readFile('test/fixtures/cloudtrail/create-role.json', 'utf8'));
    event.time = new Date().toISOString();

    // Act: CloudTrail's CreateRole event, delivered the deployed way
    const { result } = await invokeBundle(sqsBatch(event));

    // Assess: the user's own check
    const after = JSON.parse(await aws('iam', 'list-instance-profiles-for-role', '--role-name', 'CLI-EC2-role'));
    expect(before.InstanceProfiles).toEqual([]);
    expect(result.batchItemFailures).toEqual([]);
    expect(after.InstanceProfiles).toEqual([
      expect.objectContaining({
        InstanceProfileName: 'CLI-EC2-role',
        Arn: 'arn:aws:iam::123456789012:instance-profile/CLI-EC2-role',
        Roles: [expect.objectContaining({ RoleName: 'CLI-EC2-role' })],
      }),
    ]);
  });
});
