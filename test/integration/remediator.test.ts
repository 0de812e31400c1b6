/**
 * Every case of the core remediator, through the built bundle (dist/remediator/index.mjs) in its own
 * Node process, against moto's IAM: the same code and configuration path as in Lambda.
 */

import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, TagRoleCommand } from '@aws-sdk/client-iam';
import { describe, expect, inject, it } from 'vitest';
import { type FaultRules, SERVICE_FAILURE, startIamProxy, THROTTLING } from '../../emulator/iam-faults.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import {
  type BatchResponse,
  createRoleEvent,
  invokeBundle,
  type LogLine,
  roleWithOurProfile,
  sqsBatch,
} from './support/bundle.js';
import { deleteConflictEvent } from './support/cloudtrail.js';
import { createProfile, createRole, getProfile, iam, MANAGED_TAGS, profilesOf, uniqueRoleName } from './support/iam.js';
import { expectGranted } from './support/permissions.js';
import { recordOurs } from './support/stack.js';

const MOTO_URL = inject('motoUrl');

/**
 * Invokes the bundle with its IAM calls through the proxy (with `rules`, if any), and checks that each
 * IAM action it sent is one the function's role is granted: moto never denies, so a missing grant shows here.
 */
async function invoke<R = BatchResponse>(input: unknown, env: Record<string, string> = {}, rules: FaultRules = {}) {
  const proxy = await startIamProxy(MOTO_URL, rules);
  try {
    const invocation = await invokeBundle<R>(input, { ...env, AWS_ENDPOINT_URL_IAM: proxy.url });
    expectGranted(proxy.actions);
    return { ...invocation, actions: [...proxy.actions] };
  } finally {
    await proxy.close();
  }
}

const decisionLines = (logs: LogLine[], role: string) =>
  logs.filter((line) => line.role === role && line.decision !== undefined);

describe('remediator bundle against moto', () => {
  it('creates the same-named profile with the role in it, tagged as ours, for a new EC2 role', async () => {
    // Prepare
    const role = uniqueRoleName('ec2-role');
    await createRole(role, { path: '/teams/web/' });
    const event = createRoleEvent(role);

    // Act
    const { result, logs, metrics } = await invoke(sqsBatch(event));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const profile = await getProfile(role);
    expect(profile).toMatchObject({ InstanceProfileName: role, Path: '/teams/web/', Roles: [{ RoleName: role }] });
    const tags = Object.fromEntries((profile?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({
      'auto-instance-profile:managed': 'true',
      'auto-instance-profile:source-role-arn': `arn:aws:iam::123456789012:role/teams/web/${role}`,
      'auto-instance-profile:source-event-id': (event.detail as { eventID: string }).eventID,
    });
    expect(decisionLines(logs, role)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        decision: 'create',
        // GetRole, ListInstanceProfilesForRole, GetAccountSummary (once per cold function), create, add
        iamCalls: 5,
        correlation_id: event.id,
        service: 'auto-instance-profile',
      }),
    ]);
    expect(metrics).toContainEqual(expect.objectContaining({ ProfilesCreated: 1 }));
  });

  it('does nothing for a role EC2 cannot assume', async () => {
    // Prepare
    const role = uniqueRoleName('lambda-role');
    await createRole(role, { trust: EC2_TRUST_JSON.replace('ec2', 'lambda') });

    // Act
    const { result, logs } = await invoke(sqsBatch(createRoleEvent(role)));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await getProfile(role)).toBeUndefined();
    expect(decisionLines(logs, role)).toEqual([
      expect.objectContaining({ decision: 'nothing', reason: 'no-ec2-trust', iamCalls: 1 }),
    ]);
  });

  it('does nothing when the console or IaC already put the role in a profile', async () => {
    // Prepare
    const role = uniqueRoleName('iac-role');
    await createRole(role);
    await createProfile(`${role}-iac`, { role });

    // Act
    const { logs } = await invoke(sqsBatch(createRoleEvent(role)));

    // Assess
    expect(await profilesOf(role)).toEqual([`${role}-iac`]);
    expect(await getProfile(role)).toBeUndefined();
    expect(decisionLines(logs, role)).toEqual([
      expect.objectContaining({ decision: 'nothing', reason: 'already-in-profile', iamCalls: 2 }),
    ]);
  });

  it('does nothing for a role tagged auto-instance-profile:skip=true', async () => {
    // Prepare
    const role = uniqueRoleName('skip-role');
    await createRole(role, { tags: [{ Key: 'auto-instance-profile:skip', Value: 'true' }] });

    // Act
    const { logs } = await invoke(sqsBatch(createRoleEvent(role)));

    // Assess
    expect(await getProfile(role)).toBeUndefined();
    expect(decisionLines(logs, role)).toEqual([expect.objectContaining({ decision: 'nothing', reason: 'opted-out' })]);
  });

  it('adds the role to an empty profile of ours left from an earlier run', async () => {
    // Prepare
    const role = uniqueRoleName('leftover');
    await createRole(role);
    await createProfile(role, { tags: MANAGED_TAGS });
    await recordOurs(role);

    // Act
    const { result, logs } = await invoke(sqsBatch(createRoleEvent(role)));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decisionLines(logs, role)).toEqual([expect.objectContaining({ decision: 'adopt', changed: true })]);
  });

  it.each([
    ['not ours', [], undefined, 'profile-not-managed'],
    ['ours but holding another role', MANAGED_TAGS, 'other', 'profile-holds-other-role'],
  ])(
    'changes nothing, warns with both names and counts it when the same-name profile is %s',
    async (_case, tags, holder, reason) => {
      // Prepare
      const role = uniqueRoleName('taken');
      await createRole(role);
      const other = holder === undefined ? undefined : uniqueRoleName(holder);
      if (other !== undefined) await createRole(other);
      await createProfile(role, { tags, role: other });

      // Act
      const { result, logs, metrics } = await invoke(sqsBatch(createRoleEvent(role)));

      // Assess
      expect(result.batchItemFailures).toEqual([]);
      expect((await getProfile(role))?.Roles?.map((r) => r.RoleName)).toEqual(other === undefined ? [] : [other]);
      expect(await profilesOf(role)).toEqual([]);
      expect(decisionLines(logs, role)).toEqual([
        expect.objectContaining({
          level: 'WARN',
          decision: 'conflict',
          reason,
          profile: role,
          profileRoles: other ? [other] : [],
        }),
      ]);
      expect(metrics).toContainEqual(expect.objectContaining({ Conflicts: 1, reason }));
      // The total, under `service` alone, is what an alarm can watch.
      expect(metrics.filter((m) => m.Conflicts === 1 && !('reason' in m))).toHaveLength(1);
    },
  );

  it('converges to one profile holding the role when two deliveries of one event race', async () => {
    // Prepare
    const role = uniqueRoleName('race');
    await createRole(role);
    const event = createRoleEvent(role);

    // Act
    const [first, second] = await Promise.all([invoke(sqsBatch(event)), invoke(sqsBatch(event))]);

    // Assess
    expect(first.result.batchItemFailures).toEqual([]);
    expect(second.result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    const decisions = [...decisionLines(first.logs, role), ...decisionLines(second.logs, role)].map((l) => l.decision);
    expect(decisions).toHaveLength(2);
  });

  it.each([
    ['CreateInstanceProfile', 'EntityAlreadyExists'],
    ['AddRoleToInstanceProfile', 'LimitExceeded'],
  ])('converges without error when the other delivery wins just before our %s (%s)', async (action) => {
    // Prepare
    const role = uniqueRoleName('lost-race');
    await createRole(role);
    let raced = false;
    const rules: FaultRules = {
      before: async (seen) => {
        if (seen !== action || raced) return;
        raced = true;
        // The other delivery, at this very moment: its profile created and linked, or just linked.
        if (action === 'CreateInstanceProfile') {
          await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: role, Tags: MANAGED_TAGS }));
        }
        await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: role, RoleName: role }));
      },
    };

    // Act
    const { result, logs, actions } = await invoke(sqsBatch(createRoleEvent(role)), {}, rules);

    // Assess
    expect(raced).toBe(true);
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(actions).toContain('GetInstanceProfile');
    // One request for the lost write: IAM's LimitExceeded is not throttling, so the SDK must not retry it.
    expect(actions.filter((seen) => seen === action)).toHaveLength(1);
    expect(decisionLines(logs, role)).toEqual([
      expect.objectContaining({ decision: 'nothing', reason: 'already-in-profile', iamCalls: actions.length }),
    ]);
  });

  it('returns a role IAM does not show yet for redelivery, within two minutes of the event', async () => {
    // Prepare
    const role = uniqueRoleName('not-yet');

    // Act
    const { result, logs } = await invoke(sqsBatch(createRoleEvent(role, 10)));

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(decisionLines(logs, role)).toEqual([
      expect.objectContaining({ decision: 'retry', reason: 'role-not-visible-yet' }),
    ]);
  });

  it('acknowledges a role that is gone, later than two minutes after the event', async () => {
    // Prepare
    const role = uniqueRoleName('gone');

    // Act
    const { result, logs } = await invoke(sqsBatch(createRoleEvent(role, 180)));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(decisionLines(logs, role)).toEqual([expect.objectContaining({ decision: 'nothing', reason: 'role-gone' })]);
  });

  it.each([
    ['throttling', THROTTLING, 'throttled'],
    ['a 5xx', SERVICE_FAILURE, 'iam-unavailable'],
  ])(
    'retries %s a bounded number of times, then returns the record so SQS redelivers it, without an error',
    async (_case, fault, reason) => {
      // Prepare
      const role = uniqueRoleName('throttled');
      await createRole(role);

      // Act
      const { result, logs, metrics, actions } = await invoke(
        sqsBatch(createRoleEvent(role)),
        {},
        { fault: (action) => (action === 'CreateInstanceProfile' ? fault : undefined) },
      );

      // Assess
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
      expect(actions.filter((a) => a === 'CreateInstanceProfile')).toHaveLength(3);
      // IAM passing by is not the service's error: a warning, a retry by reason, and the errors alarm stays quiet.
      expect(decisionLines(logs, role)).toEqual([
        expect.objectContaining({ level: 'WARN', decision: 'retry', reason, iamCalls: 6 }),
      ]);
      expect(metrics).toContainEqual(expect.objectContaining({ Retries: 1, reason }));
      expect(metrics.filter((m) => 'Errors' in m)).toEqual([]);
      expect(await getProfile(role)).toBeUndefined();
    },
  );

  it('rides out a short burst of throttling within the SDK’s retries', async () => {
    // Prepare
    const role = uniqueRoleName('burst');
    await createRole(role);
    let faults = 2;

    // Act
    const { result, actions } = await invoke(
      sqsBatch(createRoleEvent(role)),
      {},
      { fault: (action) => (action === 'GetRole' && faults-- > 0 ? THROTTLING : undefined) },
    );

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(actions.filter((a) => a === 'GetRole')).toHaveLength(3);
    expect(await profilesOf(role)).toEqual([role]);
  });

  it('returns malformed and unsupported records for the DLQ, logs each with its messageId, leaves a CreateRole without a role name to reconcile, and still does the rest', async () => {
    // Prepare
    const role = uniqueRoleName('beside-bad');
    await createRole(role);
    const noRole = createRoleEvent('x');
    (noRole.detail as { requestParameters: object }).requestParameters = {};
    const batch = sqsBatch('not json', { ...createRoleEvent('y'), source: 'aws.s3' }, noRole, createRoleEvent(role));

    // Act
    const { result, logs } = await invoke<BatchResponse>(batch);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }, { itemIdentifier: 'msg-1' }]);
    const rejected = logs.filter((l) => l.decision === 'reject').map((l) => [l.level, l.messageId]);
    expect(rejected).toEqual([
      ['ERROR', 'msg-0'],
      ['ERROR', 'msg-1'],
    ]);
    const eventId = (noRole.detail as { eventID: string }).eventID;
    const aboutNoRole = logs.filter((l) => l.messageId === 'msg-2').map((l) => [l.level, l.reason, l.eventId]);
    expect(aboutNoRole).toEqual([['WARN', 'no-role-name', eventId]]);
    expect(await profilesOf(role)).toEqual([role]);
  });

  it('ignores a failed CreateRole without calling IAM', async () => {
    // Prepare
    const event = createRoleEvent(uniqueRoleName('failed'));
    Object.assign(event.detail as object, { errorCode: 'EntityAlreadyExistsException', responseElements: null });

    // Act
    const { result, actions } = await invoke(sqsBatch(event));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(actions).toEqual([]);
  });

  it('with DRY_RUN=true logs the plan and changes nothing', async () => {
    // Prepare
    const role = uniqueRoleName('dry');
    await createRole(role);

    // Act
    const { result, logs } = await invoke(sqsBatch(createRoleEvent(role)), { DRY_RUN: 'true' });

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await getProfile(role)).toBeUndefined();
    expect(decisionLines(logs, role)).toEqual([
      expect.objectContaining({
        message: 'would link instance profile',
        decision: 'create',
        dryRun: true,
        changed: false,
      }),
    ]);
  });

  it('answers a manual invoke with a single EventBridge event with the decision', async () => {
    // Prepare
    const role = uniqueRoleName('manual');
    await createRole(role);

    // Act
    const { result } = await invoke<Record<string, unknown>>(createRoleEvent(role));

    // Assess
    expect(result).toMatchObject({ role, decision: 'create', profile: role, changed: true, iamCalls: 5 });
  });

  it('refuses to start with an invalid setting', async () => {
    // Act
    const act = invoke(sqsBatch(createRoleEvent('any')), { DRY_RUN: 'maybe' });

    // Assess
    await expect(act).rejects.toThrow(/DRY_RUN must be true or false/);
  });
});

describe('remediator bundle against moto, with SELECTION=opt-in', () => {
  const OPT_IN = { SELECTION: 'opt-in' };
  const OPT_IN_TAG = { Key: 'auto-instance-profile:opt-in', Value: 'true' };

  /** A successful TagRole as CloudTrail records it, the request's tags as `[{ key, value }]`. */
  function tagRoleEvent(role: string, tags: readonly { Key: string; Value: string }[]): Record<string, unknown> {
    const event = createRoleEvent(role) as { detail: Record<string, unknown> };
    event.detail = {
      ...event.detail,
      eventName: 'TagRole',
      requestParameters: { roleName: role, tags: tags.map((tag) => ({ key: tag.Key, value: tag.Value })) },
      responseElements: null,
    };
    return event;
  }

  it('gives a profile to a role created with the opt-in tag, and none to an EC2 role without it', async () => {
    // Prepare
    const tagged = uniqueRoleName('opted-in');
    const untagged = uniqueRoleName('not-opted-in');
    await createRole(tagged, { tags: [OPT_IN_TAG] });
    await createRole(untagged);

    // Act
    const { result, logs } = await invoke(sqsBatch(createRoleEvent(tagged), createRoleEvent(untagged)), OPT_IN);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await profilesOf(tagged)).toEqual([tagged]);
    expect(await getProfile(untagged)).toBeUndefined();
    expect(decisionLines(logs, tagged)).toEqual([expect.objectContaining({ decision: 'create' })]);
    expect(decisionLines(logs, untagged)).toEqual([
      expect.objectContaining({
        decision: 'nothing',
        reason: 'not-opted-in',
        trigger: 'role-created',
        note: 'selection is opt-in and the role is not tagged auto-instance-profile:opt-in=true',
        iamCalls: 1,
      }),
    ]);
  });

  it('gives a profile to a role tagged opt-in after its creation, on its TagRole event', async () => {
    // Prepare: created without the tag, and left alone
    const role = uniqueRoleName('tagged-later');
    await createRole(role);
    await invoke(sqsBatch(createRoleEvent(role)), OPT_IN);
    expect(await getProfile(role)).toBeUndefined();
    await iam.send(new TagRoleCommand({ RoleName: role, Tags: [OPT_IN_TAG] }));

    // Act
    const { result, logs } = await invoke(sqsBatch(tagRoleEvent(role, [OPT_IN_TAG])), OPT_IN);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await profilesOf(role)).toEqual([role]);
    expect(decisionLines(logs, role)).toEqual([
      expect.objectContaining({ decision: 'create', trigger: 'opt-in-tagged', eventName: 'TagRole' }),
    ]);
  });

  it('skips a role tagged both skip and opt-in: skip wins', async () => {
    // Prepare
    const role = uniqueRoleName('skip-wins');
    await createRole(role, { tags: [OPT_IN_TAG, { Key: 'auto-instance-profile:skip', Value: 'true' }] });

    // Act
    const { logs } = await invoke(sqsBatch(createRoleEvent(role)), OPT_IN);

    // Assess
    expect(await getProfile(role)).toBeUndefined();
    expect(decisionLines(logs, role)).toEqual([expect.objectContaining({ decision: 'nothing', reason: 'opted-out' })]);
  });

  it('acknowledges a TagRole that sets no opt-in tag without calling IAM', async () => {
    // Prepare
    const role = uniqueRoleName('tagged-other');
    await createRole(role, { tags: [{ Key: 'team', Value: 'web' }] });

    // Act
    const { result, logs, actions } = await invoke(
      sqsBatch(tagRoleEvent(role, [{ Key: 'team', Value: 'web' }])),
      OPT_IN,
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(actions).toEqual([]);
    expect(await getProfile(role)).toBeUndefined();
    expect(decisionLines(logs, role)).toEqual([
      expect.objectContaining({ level: 'INFO', decision: 'ignored', reason: 'no-handled-tag' }),
    ]);
  });

  it('still releases the profile it made on a DeleteRole conflict, when the role is not opted in (the setting changed)', async () => {
    // Prepare: the profile was made under opt-out; the role has no opt-in tag
    const role = uniqueRoleName('release-opt-in');
    await roleWithOurProfile(role);

    // Act
    const { result, logs } = await invoke(sqsBatch(await deleteConflictEvent(role)), OPT_IN);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await getProfile(role)).toBeUndefined();
    expect(decisionLines(logs, role)).toEqual([expect.objectContaining({ decision: 'release' })]);
  });
});
