/**
 * Unforgeable (issue 20), through the built bundle (dist/remediator/index.mjs) against moto: signals the
 * service must not take at face value. Each case is one of the second security review's findings, as it was
 * reproduced on the code before; each asserts the end state in IAM, the decision's log line, and the IAM
 * calls it took.
 */
import { CreateRoleCommand, GetAccountSummaryCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, inject, it } from 'vitest';
import { MOTO_ACCOUNT_ID } from '../../emulator/cloudtrail-event.js';
import { instanceProfileQuota, startIamProxy } from '../../emulator/iam-faults.js';
import { startMoto } from '../../emulator/moto.js';
import { startProxy } from '../../emulator/proxy.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { invokeBundle, type LogLine, roleWithOurProfile, sqsBatch } from './support/bundle.js';
import { cloudTrailEvent, deleteConflictEvent } from './support/cloudtrail.js';
import { createRole, iam, profilesOf, uniqueRoleName } from './support/iam.js';

const MOTO_URL = inject('motoUrl');

/** Delivers events in one SQS batch through a proxy that records each IAM call; the decision lines about `role`. */
async function deliver(role: string, events: unknown[], env: Record<string, string> = {}) {
  const proxy = await startIamProxy(MOTO_URL);
  try {
    const { result, logs, metrics } = await invokeBundle(sqsBatch(...events), {
      ...env,
      AWS_ENDPOINT_URL_IAM: proxy.url,
    });
    const decisions = logs.filter((line) => line.role === role && line.decision !== undefined);
    return { result, logs, decision: decisions[0] as LogLine | undefined, actions: [...proxy.actions], metrics };
  } finally {
    await proxy.close();
  }
}

const DESTRUCTIVE = ['RemoveRoleFromInstanceProfile', 'DeleteInstanceProfile'];

/** The function's own role, as the stack passes it in SERVICE_ROLE_ARN: the function's account is moto's. */
const SERVICE_ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/auto-instance-profile/AutoInstanceProfile-Remediator`;
const OTHER_ACCOUNT = '999988887777';

describe('finding 5: events of other accounts are refused', () => {
  it.each([
    ['EventBridge’s account and CloudTrail’s recipient account', { account: OTHER_ACCOUNT }, OTHER_ACCOUNT],
    ['CloudTrail’s recipient account alone', {}, OTHER_ACCOUNT],
  ])('changes nothing, calls no IAM, and says so, when %s is another', async (_case, envelope, recipient) => {
    // Prepare: our bound profile on a role of this account; another account's conflict record names the role
    const role = uniqueRoleName('other-account');
    await roleWithOurProfile(role);
    const base = await deleteConflictEvent(role);
    const event = { ...base, ...envelope, detail: { ...base.detail, recipientAccountId: recipient } };

    // Act
    const { result, logs, actions, metrics } = await deliver(role, [event], { SERVICE_ROLE_ARN });

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(actions).toEqual([]);
    expect(logs.find((line) => line.reason === 'other-account')).toMatchObject({
      level: 'WARN',
      message: 'event of another account refused',
      decision: 'ignored',
      eventId: base.detail.eventID,
      accounts: { event: event.account, recipient, own: MOTO_ACCOUNT_ID },
    });
    expect(metrics).toContainEqual(expect.objectContaining({ EventsIgnored: 1, reason: 'other-account' }));
  });

  it('acts on the same record of its own account', async () => {
    // Prepare
    const role = uniqueRoleName('own-account');
    await roleWithOurProfile(role);

    // Act
    const { decision } = await deliver(role, [await deleteConflictEvent(role)], { SERVICE_ROLE_ARN });

    // Assess
    expect(decision).toMatchObject({ decision: 'release' });
    expect(await profilesOf(role)).toEqual([]);
  });
});

describe('finding 4: a reconcile message carries its creator, and the remediator rules on it', () => {
  /** A reconcile-shaped message for `role`, as the pass sends it, with the creator it learnt. */
  const message = (role: string, creator: unknown) => ({
    source: 'auto-instance-profile.reconcile',
    'detail-type': 'Role found by reconcile',
    id: 'scan-unforgeable',
    time: new Date().toISOString(),
    detail: { roleName: role, creator },
  });

  it('leaves alone a role whose creator is an ignored caller, as the event of its CreateRole would', async () => {
    // Prepare: CloudFormation's role (ignoredCallers' default), without a profile
    const role = uniqueRoleName('reconciled-by-stack');
    await createRole(role);
    const creator = { invokedBy: 'cloudformation.amazonaws.com', type: 'AssumedRole' };

    // Act
    const { result, decision, actions } = await deliver(role, [message(role, creator)]);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([]);
    expect(decision).toMatchObject({ decision: 'nothing', reason: 'ignored-caller', trigger: 'found-by-scan' });
    expect(actions).toEqual([]);
  });

  it('holds UNKNOWN_CREATOR=skip to a role whose creator the pass could not learn', async () => {
    // Prepare
    const role = uniqueRoleName('reconciled-unknown');
    await createRole(role);

    // Act
    const { decision } = await deliver(role, [message(role, 'unknown')], { UNKNOWN_CREATOR: 'skip' });

    // Assess
    expect(await profilesOf(role)).toEqual([]);
    expect(decision).toMatchObject({ decision: 'nothing', reason: 'creator-unknown' });
  });

  it('gives its profile to a role a person created, and to one whose message has no creator (an older pass)', async () => {
    // Prepare
    const byPerson = uniqueRoleName('reconciled-by-person');
    const older = uniqueRoleName('reconciled-older');
    await createRole(byPerson);
    await createRole(older);
    const person = { arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/platform-admin`, type: 'IAMUser' };
    const withoutCreator = { ...message(older, undefined), detail: { roleName: older } };

    // Act
    const { result } = await deliver(byPerson, [message(byPerson, person), withoutCreator]);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(byPerson)).toEqual([byPerson]);
    expect(await profilesOf(older)).toEqual([older]);
  });
});

describe('finding 6: the same second is not after', () => {
  it('changes nothing on a DeleteConflict stamped in the second the role was created', async () => {
    // Prepare: a role made again at once, with its profile; a conflict record of the role it replaced, same second
    const role = uniqueRoleName('same-second');
    await roleWithOurProfile(role);
    const created = (await iam.send(new GetRoleCommand({ RoleName: role }))).Role?.CreateDate;
    if (created === undefined) throw new Error('moto reported no CreateDate');
    const conflict = cloudTrailEvent('delete-role-conflict', role, { now: created });

    // Act
    const { result, decision, actions } = await deliver(role, [conflict]);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'stale-event',
      note: expect.stringContaining('in the second the role was created'),
      changes: [],
    });
    expect(actions.filter((action) => DESTRUCTIVE.includes(action))).toEqual([]);
  });
});

describe('finding 7: the quota headroom holds under concurrency', () => {
  it('lets two instances, each with a batch of ten new EC2 roles, pass the threshold by at most one profile each', async () => {
    // Prepare: a moto of its own (no other test's profiles count), a quota of 20 and a threshold of 50%: 10 profiles
    const moto = await startMoto();
    const own = new IAMClient({ endpoint: moto.url });
    const quota = instanceProfileQuota(moto.url, 20);
    const proxy = await startProxy({ targetUrl: moto.url, hooks: [quota] });
    try {
      const roles = Array.from({ length: 20 }, (_, i) => `quota-race-${i}`);
      for (const role of roles) {
        await own.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
      }
      const env = {
        AWS_ENDPOINT_URL: moto.url,
        AWS_ENDPOINT_URL_IAM: proxy.url,
        INSTANCE_PROFILE_QUOTA_PERCENT: '50',
        // This moto has no ownership table; what is recorded is not what this case is about.
        OWNERSHIP_TABLE: '',
      };
      const batch = (names: readonly string[]) =>
        sqsBatch(...names.map((role) => cloudTrailEvent('create-role', role)));

      // Act: two instances at once, each a batch of ten, four records at a time (BATCH_CONCURRENCY's default)
      const [first, second] = await Promise.all([
        invokeBundle(batch(roles.slice(0, 10)), env),
        invokeBundle(batch(roles.slice(10)), env),
      ]);

      // Assess: the threshold is 10; one more per instance is the bound; the rest are left, and say why
      const { SummaryMap } = await own.send(new GetAccountSummaryCommand({}));
      const created = SummaryMap?.InstanceProfiles ?? 0;
      expect(created).toBeGreaterThanOrEqual(10);
      expect(created).toBeLessThanOrEqual(12);
      const decisions = [...first.logs, ...second.logs].filter((line) => line.decision !== undefined);
      expect(decisions.filter((line) => line.decision === 'create')).toHaveLength(created);
      expect(decisions.filter((line) => line.reason === 'quota-headroom')).toHaveLength(20 - created);
      expect([...first.result.batchItemFailures, ...second.result.batchItemFailures]).toEqual([]);
    } finally {
      await proxy.close();
      quota.close();
      own.destroy();
      await moto.stop();
    }
  });
});
