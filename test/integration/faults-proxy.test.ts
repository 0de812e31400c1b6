/**
 * The IAM proxy's emulation of IAM where moto differs, against moto: names unique case-insensitively, the
 * instance profile quota, and tag values. The fault tests (test/acceptance/faults.test.ts) rely on these answers.
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  EntityAlreadyExistsException,
  GetAccountSummaryCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  LimitExceededException,
} from '@aws-sdk/client-iam';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { iamRules, instanceProfileQuota } from '../../emulator/iam-faults.js';
import { type ProxyHook, type ProxyServer, startProxy } from '../../emulator/proxy.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { createProfile, createRole, getProfile, profilesOf, uniqueRoleName } from './support/iam.js';

const MOTO_URL = inject('motoUrl');
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** What a call that should fail threw. */
const caught = (error: unknown) => error;

/** An IAM client whose calls go through a proxy with `hooks`. */
async function iamThrough(...hooks: ProxyHook[]): Promise<{ client: IAMClient; proxy: ProxyServer }> {
  const proxy = await startProxy({ targetUrl: MOTO_URL, hooks });
  const client = new IAMClient({ endpoint: proxy.url, maxAttempts: 1 });
  cleanups.push(
    () => proxy.close(),
    () => client.destroy(),
  );
  return { client, proxy };
}

describe('names unique case-insensitively, as in IAM', () => {
  it('refuses a profile whose name differs from an existing one only in case, and reads find the one that exists', async () => {
    // Prepare
    const name = uniqueRoleName('myrole').toLowerCase();
    const upper = name.replace('myrole', 'MyRole');
    await createProfile(name);
    const rules = iamRules(MOTO_URL);
    cleanups.push(() => rules.close());
    const { client } = await iamThrough(...rules.hooks);

    // Act
    const created = await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: upper })).catch(caught);
    const read = await client.send(new GetInstanceProfileCommand({ InstanceProfileName: upper }));

    // Assess
    expect(created).toBeInstanceOf(EntityAlreadyExistsException);
    expect(read.InstanceProfile?.InstanceProfileName).toBe(name);
    expect(await getProfile(upper)).toBeUndefined();
  });

  it('acts on the existing role and profile whatever the case a call names them in', async () => {
    // Prepare
    const role = uniqueRoleName('AppRole');
    await createRole(role);
    await createProfile(role);
    const rules = iamRules(MOTO_URL);
    cleanups.push(() => rules.close());
    const { client } = await iamThrough(...rules.hooks);

    // Act
    const roleRead = await client.send(new GetRoleCommand({ RoleName: role.toUpperCase() }));
    await client.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: role.toLowerCase(), RoleName: role.toLowerCase() }),
    );
    const twin = await client
      .send(new CreateRoleCommand({ RoleName: role.toLowerCase(), AssumeRolePolicyDocument: EC2_TRUST_JSON }))
      .catch(caught);

    // Assess
    expect(roleRead.Role?.RoleName).toBe(role);
    expect(await profilesOf(role)).toEqual([role]);
    expect(twin).toBeInstanceOf(EntityAlreadyExistsException);
  });

  it('knows a profile created through it, and one it read, from then on', async () => {
    // Prepare
    const rules = iamRules(MOTO_URL);
    cleanups.push(() => rules.close());
    const { client } = await iamThrough(...rules.hooks);
    await client.send(new GetAccountSummaryCommand({}));
    const made = uniqueRoleName('made-through').toLowerCase();

    // Act
    await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: made }));
    const twin = await client
      .send(new CreateInstanceProfileCommand({ InstanceProfileName: made.toUpperCase() }))
      .catch(caught);

    // Assess
    expect(twin).toBeInstanceOf(EntityAlreadyExistsException);
  });
});

describe('the instance profile quota', () => {
  it('answers CreateInstanceProfile with LimitExceeded once the account holds as many as its quota allows', async () => {
    // Prepare
    const quota = instanceProfileQuota(MOTO_URL, 0);
    cleanups.push(() => quota.close());
    const { client } = await iamThrough(quota);
    const name = uniqueRoleName('over-quota');

    // Act
    const created = await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: name })).catch(caught);

    // Assess
    expect(created).toBeInstanceOf(LimitExceededException);
    expect(await getProfile(name)).toBeUndefined();
  });

  it('lets creates through below the quota, and reports it in GetAccountSummary beside the usage', async () => {
    // Prepare
    const quota = instanceProfileQuota(MOTO_URL, 1_000_000);
    cleanups.push(() => quota.close());
    const { client } = await iamThrough(quota);
    const name = uniqueRoleName('under-quota');

    // Act
    await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }));
    quota.quota = 4321;
    const { SummaryMap } = await client.send(new GetAccountSummaryCommand({}));

    // Assess
    expect(await getProfile(name)).toBeDefined();
    expect(SummaryMap?.InstanceProfilesQuota).toBe(4321);
    expect(SummaryMap?.InstanceProfiles).toBeGreaterThanOrEqual(1);
  });
});
