/**
 * The remediator under the faults AWS produces, through the built bundle against moto, delivered as the
 * stack delivers (emulator/event-source.ts: batches of 10, two invocations at once, each its own process,
 * failed records back after the visibility timeout, the dead-letter queue after 5 receives). Faults come
 * from the IAM proxy (emulator/iam-faults.ts), seeded, so a failure replays. Each case asserts the end state
 * in IAM, what reached the dead-letter queue, and that every IAM action the proxy saw is one the
 * function's role is granted.
 */
import { describe, expect, inject, it } from 'vitest';
import { BURST_FAULTS, burstEndState, runBurst } from '../../emulator/burst.js';
import { bundleInvoker, type EventSourceRun, runEventSource } from '../../emulator/event-source.js';
import {
  eventualConsistency,
  iamErrorResponse,
  iamRules,
  instanceProfileQuota,
  randomFaults,
  tagRules,
} from '../../emulator/iam-faults.js';
import { DROP, type ProxyHook, startProxy } from '../../emulator/proxy.js';
import { createRoleEvent, type LogLine } from '../integration/support/bundle.js';
import {
  createProfile,
  createRole,
  deleteRole,
  getProfile,
  MANAGED_TAGS,
  profilesOf,
  roleExists,
  uniqueRoleName,
} from '../integration/support/iam.js';
import { expectGranted } from '../integration/support/permissions.js';
import { ownershipTableInMoto, recordOurs } from '../integration/support/stack.js';

const MOTO_URL = inject('motoUrl');
/** Roles in the burst: the 300, which takes about 45 s here; the bench runs the same burst. */
const BURST_ROLES = 300;

/** What a delivery through the event source did. */
interface Delivered {
  readonly run: EventSourceRun;
  readonly logs: LogLine[];
  readonly metrics: Record<string, unknown>[];
  readonly actions: readonly string[];
}

/** Delivers CreateRole events for `roles` through the event source, the bundle and a proxy with `hooks`. */
async function deliver(
  roles: readonly string[],
  hooks: readonly ProxyHook[],
  options: {
    readonly env?: Record<string, string>;
    readonly visibilityTimeoutMs?: number;
    readonly timeoutMs?: number;
    readonly onBatch?: () => void;
    /** How long before the delivery each event happened; negative for a clock ahead of ours. @default 0 */
    readonly ageSeconds?: number;
  } = {},
): Promise<Delivered> {
  const proxy = await startProxy({ targetUrl: MOTO_URL, hooks });
  const lines: string[] = [];
  try {
    const invoke = bundleInvoker({
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_IAM: proxy.url,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'false',
        OWNERSHIP_TABLE: await ownershipTableInMoto(),
        ...options.env,
      },
      timeoutMs: options.timeoutMs,
      onLine: (line) => lines.push(line),
    });
    const run = await runEventSource(
      roles.map((role) => JSON.stringify(createRoleEvent(role, options.ageSeconds))),
      { invoke, visibilityTimeoutMs: options.visibilityTimeoutMs ?? 300, onBatch: options.onBatch },
    );
    return { run, ...parse(lines), actions: [...proxy.actions] };
  } finally {
    await proxy.close();
  }
}

function parse(lines: readonly string[]): { logs: LogLine[]; metrics: Record<string, unknown>[] } {
  const parsed = lines
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    logs: parsed.filter((line): line is LogLine => typeof line.level === 'string'),
    metrics: parsed.filter((line) => '_aws' in line),
  };
}

const decisionsOf = (logs: readonly LogLine[], role?: string) =>
  logs.filter((line) => line.decision !== undefined && (role === undefined || line.role === role));

/** The total of one metric under `service` alone, over every EMF document (a value is a number or a list of them). */
function total(metrics: readonly Record<string, unknown>[], name: string): number {
  const values = metrics.filter((m) => !('reason' in m)).flatMap((m) => m[name] ?? []);
  return values.reduce((sum: number, value) => sum + Number(value), 0);
}

describe('a burst of CreateRole events under faults', () => {
  it(`gives each of ${BURST_ROLES} roles exactly its profile under 20% throttling and 5% 5xx, with nothing in the DLQ`, async () => {
    // Act
    const burst = await runBurst({ motoUrl: MOTO_URL, roles: BURST_ROLES, seed: 2026, rates: BURST_FAULTS });

    // Assess
    const end = await burstEndState(MOTO_URL, burst.roleNames);
    expect(end).toEqual({ wrong: [], stray: [] });
    expect(burst.run.deadLetters).toEqual([]);
    expect(burst.injected.throttling).toBeGreaterThan(0);
    expect(burst.injected.serverError).toBeGreaterThan(0);
    expect(burst.injected.unavailable).toBeGreaterThan(0);
    const { logs, metrics } = parse(burst.lines);
    // IAM's throttling is not our error: what the SDK could not ride out goes back to the queue, without the errors alarm.
    expect(logs.filter((line) => line.level === 'ERROR')).toEqual([]);
    expect(total(metrics, 'Errors')).toBe(0);
    expect(total(metrics, 'ProfilesCreated')).toBe(BURST_ROLES);
    expectGranted(burst.actions);
  });

  it('reaches the same end state when every event comes twice, shuffled, across concurrent invocations', async () => {
    // Act
    const burst = await runBurst({
      motoUrl: MOTO_URL,
      roles: 40,
      seed: 7,
      rates: {},
      latencyMs: [0, 30],
      duplicates: true,
    });

    // Assess
    expect(await burstEndState(MOTO_URL, burst.roleNames)).toEqual({ wrong: [], stray: [] });
    expect(burst.run.deadLetters).toEqual([]);
    const { logs, metrics } = parse(burst.lines);
    expect(logs.filter((line) => line.level === 'ERROR')).toEqual([]);
    // Each profile is made once, and counted once, whichever delivery made it.
    expect(total(metrics, 'ProfilesCreated')).toBe(40);
    const created = logs
      .flatMap((line) => (line.changes as string[] | undefined) ?? [])
      .filter((c) => c.startsWith('created'));
    expect(new Set(created).size).toBe(40);
    expect(created).toHaveLength(40);
    expectGranted(burst.actions);
  });

  it('links every role when connections drop before and after calls took effect, and reports no profile created twice', async () => {
    // Act
    const burst = await runBurst({
      motoUrl: MOTO_URL,
      roles: 30,
      seed: 11,
      rates: { dropBefore: 0.1, dropAfter: 0.1 },
    });

    // Assess
    expect(await burstEndState(MOTO_URL, burst.roleNames)).toEqual({ wrong: [], stray: [] });
    expect(burst.run.deadLetters).toEqual([]);
    expect(burst.injected.dropBefore).toBeGreaterThan(0);
    expect(burst.injected.dropAfter).toBeGreaterThan(0);
    const { logs, metrics } = parse(burst.lines);
    expect(logs.filter((line) => line.level === 'ERROR')).toEqual([]);
    // A run reports what it knows it changed: no profile is reported created twice, and each link is reported by
    // some run, as created or, when every answer to the create was lost, as adopted by the redelivery.
    const created = logs
      .flatMap((line) => (line.changes as string[] | undefined) ?? [])
      .filter((change) => change.startsWith('created'));
    expect(created).toHaveLength(new Set(created).size);
    expect(total(metrics, 'ProfilesCreated')).toBe(created.length);
    expect(total(metrics, 'ProfilesCreated') + total(metrics, 'ProfilesAdopted')).toBeGreaterThanOrEqual(30);
    expectGranted(burst.actions);
  });
});

describe('eventual consistency', () => {
  it('retries roles IAM does not show yet and never acknowledges them as gone', async () => {
    // Prepare: IAM hides a new role for 20 s and the function waits 120 s; both scaled down by 10, the ratio kept.
    const roles = Array.from({ length: 6 }, () => uniqueRoleName('not-visible'));
    for (const role of roles) await createRole(role);
    const window = eventualConsistency({ windowMs: 2_000 });

    // Act
    const { run, logs, actions } = await deliver(roles, [window], {
      env: { ROLE_NOT_FOUND_RETRY_SECONDS: '12' },
      visibilityTimeoutMs: 500,
    });

    // Assess
    for (const role of roles) expect(await profilesOf(role)).toEqual([role]);
    expect(run.deadLetters).toEqual([]);
    expect(window.hidden).toBeGreaterThan(0);
    const decisions = decisionsOf(logs);
    expect(decisions.filter((line) => line.reason === 'role-not-visible-yet').length).toBeGreaterThan(0);
    expect(decisions.filter((line) => line.reason === 'role-gone')).toEqual([]);
    expectGranted(actions);
  });
});

describe('IAM behind the event', () => {
  it('returns the record when the profile exists but cannot be read yet, and links it on redelivery, without an error', async () => {
    // Prepare: IAM says the profile exists, but no read finds it (a racing delivery's, not visible yet).
    const role = uniqueRoleName('unreadable');
    await createRole(role);
    let lagging = true;
    const lag: ProxyHook = {
      onRequest(request) {
        if (!lagging || request.call?.action !== 'CreateInstanceProfile') return undefined;
        return iamErrorResponse({
          status: 409,
          code: 'EntityAlreadyExists',
          message: `Instance Profile ${role} already exists.`,
        });
      },
    };

    // Act
    const { run, logs, actions } = await deliver([role], [lag], {
      visibilityTimeoutMs: 200,
      onBatch: () => {
        lagging = false;
      },
    });

    // Assess
    expect(await profilesOf(role)).toEqual([role]);
    expect(run.deadLetters).toEqual([]);
    expect(decisionsOf(logs, role).map((line) => [line.level, line.decision, line.reason])).toEqual([
      ['INFO', 'retry', 'profile-not-visible-yet'],
      ['INFO', 'create', undefined],
    ]);
    // One create and one read, then the record went back: no loop of creates and reads, no error.
    expect(actions.filter((action) => action === 'CreateInstanceProfile')).toHaveLength(2);
    expect(logs.filter((line) => line.level === 'ERROR')).toEqual([]);
    expectGranted(actions);
  });

  it('acknowledges a missing role as gone once the window has passed, even when the event’s time is in the future', async () => {
    // Prepare: a role that does not exist, and an event stamped an hour ahead of our clock.
    const role = uniqueRoleName('future');

    // Act
    const { run, logs, actions } = await deliver([role], [], {
      ageSeconds: -3600,
      env: { ROLE_NOT_FOUND_RETRY_SECONDS: '1' },
      visibilityTimeoutMs: 700,
    });

    // Assess: the time is capped at the queue's send time, so the record ages and is acknowledged, not parked in the DLQ.
    expect(run.deadLetters).toEqual([]);
    const decisions = decisionsOf(logs, role);
    expect(decisions.at(-1)).toMatchObject({ decision: 'nothing', reason: 'role-gone' });
    expect(decisions.slice(0, -1).map((line) => line.reason)).toEqual(
      decisions.slice(0, -1).map(() => 'role-not-visible-yet'),
    );
    expectGranted(actions);
  });
});

describe('a crash or a delete in the middle of a remediation', () => {
  it('completes on redelivery when the connection drops after CreateInstanceProfile took effect, leaving no empty profile', async () => {
    // Prepare: the create reaches IAM, then the network is gone for the rest of that invocation.
    const role = uniqueRoleName('crash');
    await createRole(role);
    let down = false;
    let crashed = false;
    const crash: ProxyHook = {
      onRequest: () => (down ? DROP : undefined),
      onResponse(request) {
        if (crashed || request.call?.action !== 'CreateInstanceProfile') return undefined;
        crashed = true;
        down = true;
        return DROP;
      },
    };
    // Act: the network is back for the redelivery.
    const { run, logs, actions } = await deliver([role], [crash], {
      visibilityTimeoutMs: 200,
      onBatch: () => {
        down = false;
      },
    });

    // Assess
    expect(crashed).toBe(true);
    expect(await profilesOf(role)).toEqual([role]);
    expect((await getProfile(role))?.Roles?.map((r) => r.RoleName)).toEqual([role]);
    expect(run.deadLetters).toEqual([]);
    expect(run.receiveCounts.get('msg-0')).toBe(2);
    expect(decisionsOf(logs, role).at(-1)).toMatchObject({
      decision: 'adopt',
      changes: [`added role ${role} to instance profile ${role}`],
    });
    expectGranted(actions);
  });

  it('deletes the empty profile it just made when the role is deleted before the add, and acknowledges the record', async () => {
    // Prepare
    const role = uniqueRoleName('deleted-midway');
    await createRole(role);
    const deleter: ProxyHook = {
      async onRequest(request) {
        if (request.call?.action === 'AddRoleToInstanceProfile') await deleteRole(role);
        return undefined;
      },
    };

    // Act
    const { run, logs, actions } = await deliver([role], [deleter]);

    // Assess
    expect(await roleExists(role)).toBe(false);
    expect(await getProfile(role)).toBeUndefined();
    expect(run.deadLetters).toEqual([]);
    expect(run.receiveCounts.get('msg-0')).toBe(1);
    expect(decisionsOf(logs, role)).toEqual([
      expect.objectContaining({
        decision: 'cleanup',
        changes: [`created instance profile ${role}`, `deleted instance profile ${role}`],
      }),
    ]);
    expectGranted(actions);
  });
});

describe('a full instance profile quota', () => {
  it('gets its own decision, log line and QuotaExceeded metric, and the record goes back, then to the DLQ', async () => {
    // Prepare: a quota of 0 is full whatever the test files running beside this one create or delete. The
    // GetAccountSummary the function read said there was room (another caller took the last one since), so the
    // headroom let it try, and CreateInstanceProfile answers LimitExceeded.
    const role = uniqueRoleName('quota');
    await createRole(role);
    const quota = instanceProfileQuota(MOTO_URL, 0);
    const roomySummary: ProxyHook = {
      onResponse(request, response) {
        if (request.call?.action !== 'GetAccountSummary' || response.status !== 200) return undefined;
        const body = response.body
          .toString('utf8')
          .replace(
            /(<key>InstanceProfilesQuota<\/key>\s*<value>)\d+(<\/value>)/,
            (_match, open: string, close: string) => `${open}1000000${close}`,
          );
        return { ...response, body: Buffer.from(body) };
      },
    };

    // Act
    const { run, logs, metrics, actions } = await deliver([role], [quota, roomySummary], {
      visibilityTimeoutMs: 100,
    }).finally(() => quota.close());

    // Assess
    expect(await getProfile(role)).toBeUndefined();
    expect(run.deadLetters).toEqual([expect.objectContaining({ messageId: 'msg-0', receiveCount: 5 })]);
    const decisions = decisionsOf(logs, role);
    expect(decisions).toHaveLength(5);
    for (const line of decisions) {
      expect(line).toMatchObject({
        level: 'ERROR',
        message: 'instance profile quota is full',
        decision: 'retry',
        reason: 'quota-exceeded',
      });
    }
    expect(total(metrics, 'QuotaExceeded')).toBe(5);
    // The errors alarm watches the Errors total alone, so a full quota is counted there too (reason quota-exceeded).
    expect(total(metrics, 'Errors')).toBe(5);
    expectGranted(actions);
  });
});

describe('IAM rules moto does not apply', () => {
  it('gives a profile to roles whose ARN is not a valid tag value, with IAM checking tag values', async () => {
    // Prepare
    const named = uniqueRoleName('web,app');
    const pathed = uniqueRoleName('team-a');
    await createRole(named);
    await createRole(pathed, { path: '/team(a)/' });

    // Act
    const { run, actions } = await deliver([named, pathed], [tagRules()]);

    // Assess
    expect(run.deadLetters).toEqual([]);
    for (const role of [named, pathed]) {
      expect(await profilesOf(role)).toEqual([role]);
      const tags = Object.fromEntries(((await getProfile(role))?.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect(tags['auto-instance-profile:managed']).toBe('true');
      expect(tags['auto-instance-profile:source-role-arn']).toBeUndefined();
    }
    expectGranted(actions);
  });

  it.each([
    ['not ours: a conflict', [], 'conflict'],
    ['ours and empty: adopted', MANAGED_TAGS, 'adopt'],
  ])(
    'treats a profile whose name differs from the role’s only in case as its same-name profile (%s)',
    async (_case, tags, decision) => {
      // Prepare: IAM names are unique case-insensitively, so `myrole-…` is `MyRole-…`'s same-name profile.
      const role = uniqueRoleName('MyRole');
      const twin = role.toLowerCase();
      await createRole(role);
      await createProfile(twin, { tags });
      if (decision === 'adopt') await recordOurs(twin, role);
      const rules = iamRules(MOTO_URL);

      // Act
      const { run, logs, actions } = await deliver([role], rules.hooks).finally(() => rules.close());

      // Assess
      expect(run.deadLetters).toEqual([]);
      expect(await getProfile(role)).toBeUndefined();
      expect(decisionsOf(logs, role)).toEqual([expect.objectContaining({ decision, profile: twin })]);
      expect(await profilesOf(role)).toEqual(decision === 'adopt' ? [twin] : []);
      expectGranted(actions);
    },
  );
});

describe('the function’s deadline under slow IAM', () => {
  it('returns the records it cannot finish in time instead of timing out, and they are done on redelivery', async () => {
    // Prepare: each call takes 0.5 s and the function has 10 s, of which the last 8 s are kept in hand.
    const roles = Array.from({ length: 10 }, () => uniqueRoleName('slow'));
    for (const role of roles) await createRole(role);
    const slow = randomFaults({ seed: 3, rates: {}, latencyMs: [500, 500] });

    // Act
    const { run, logs, actions } = await deliver(roles, [slow], { timeoutMs: 10_000, visibilityTimeoutMs: 100 });

    // Assess
    expect(run.batches.filter((batch) => batch.wholeBatchFailed !== undefined)).toEqual([]);
    expect(
      logs.filter((line) => line.message === 'deadline near, records returned unprocessed').length,
    ).toBeGreaterThan(0);
    expect(run.deadLetters).toEqual([]);
    for (const role of roles) expect(await profilesOf(role)).toEqual([role]);
    expectGranted(actions);
  });
});
