/**
 * A burst of CreateRole events, as a large Terraform apply makes, driven through the bundle the way the
 * stack delivers them ({@link runEventSource}) against moto behind the IAM proxy with seeded faults; and
 * the end state it left in IAM. The fault tests and the bench run the same burst.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { listProfilePages } from '../core/iam/list-account.js';
import type { Invocation } from './bundle-runner.js';
import { bundleInvoker, type EventSourceRun, runEventSource } from './event-source.js';
import { type FaultRates, iamRules, type RandomFaultKind, randomFaults } from './iam-faults.js';
import { createRoleEvent } from './lambda-shapes.js';
import { ensureOwnershipTable } from './ownership-table.js';
import { type ProxyHook, startProxy } from './proxy.js';
import { seededRandom } from './random.js';

/** The burst: 20% throttling and 5% 5xx (half 500, half 503). */
export const BURST_FAULTS: FaultRates = { throttling: 0.2, serverError: 0.025, unavailable: 0.025 };

/** IAM calls a new EC2 role needs at the least: GetRole, ListInstanceProfilesForRole, CreateInstanceProfile, AddRoleToInstanceProfile. */
export const MIN_CALLS_PER_ROLE = 4;

/** The ownership table a burst's function records in, as the stack's function does (its writers as the sandbox names them). */
const BURST_OWNERSHIP_TABLE = 'auto-instance-profile-burst-ownership';
const BURST_WRITER_ARN = 'arn:aws:iam::123456789012:role/auto-instance-profile/remediator';
const MOTO_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' };

/** An EC2 trust policy, as a caller sends it. */
const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** A burst to run. */
export interface BurstOptions {
  /** moto's URL. */
  readonly motoUrl: string;
  /** Roles created, each with one CreateRole event. */
  readonly roles: number;
  /** The seed of the faults and of the order of receives. */
  readonly seed: number;
  /** @default BURST_FAULTS */
  readonly rates?: FaultRates;
  /** Added to each IAM request, in milliseconds. @default none */
  readonly latencyMs?: readonly [number, number];
  /** Every event delivered twice, in shuffled order. @default false */
  readonly duplicates?: boolean;
  /**
   * The roles' name prefix. Faults are drawn per role name, so the same prefix and seed give the same faults.
   * @default `burst-s<seed>`
   */
  readonly prefix?: string;
  /** The function's environment on top of `baseEnv` and the proxy's endpoint, e.g. BATCH_CONCURRENCY or AWS_RETRY_MODE. */
  readonly env?: Readonly<Record<string, string>>;
  /** Credentials, region and AWS_ENDPOINT_URL for the function. @default process.env */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /** The queue's visibility timeout, scaled (see event-source.ts). @default 500 */
  readonly visibilityTimeoutMs?: number;
  /** Hooks placed before the faults, e.g. to count or to slow calls. */
  readonly hooks?: readonly ProxyHook[];
}

/** What a burst did. */
export interface BurstResult {
  readonly roleNames: readonly string[];
  readonly run: EventSourceRun;
  /** Every IAM action the proxy saw, faulted or not, in order. */
  readonly actions: readonly string[];
  readonly injected: Readonly<Record<RandomFaultKind, number>>;
  /** The function's output lines, every invocation's, in the order they came. */
  readonly lines: readonly string[];
  /** Invocations that returned (the others failed as a whole). */
  readonly invocations: readonly Invocation[];
}

/** Creates the roles in moto, then delivers one CreateRole event for each (two with `duplicates`) through the faulted proxy. */
export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const prefix = options.prefix ?? `burst-s${options.seed}`;
  const roleNames = Array.from({ length: options.roles }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  const iam = motoClient(options.motoUrl);
  const db = new DynamoDBClient({ endpoint: options.motoUrl, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
  let ownershipTable: string;
  try {
    ownershipTable = await ensureOwnershipTable(db, BURST_OWNERSHIP_TABLE, [BURST_WRITER_ARN]);
    for (let i = 0; i < roleNames.length; i += 20) {
      await Promise.all(
        roleNames
          .slice(i, i + 20)
          .map((name) => iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST }))),
      );
    }
  } finally {
    iam.destroy();
    db.destroy();
  }
  const events = roleNames.map((name) => JSON.stringify(createRoleEvent(name)));
  const bodies = options.duplicates ? seededRandom(options.seed).shuffle([...events, ...events]) : events;

  const faults = randomFaults({
    seed: options.seed,
    rates: options.rates ?? BURST_FAULTS,
    latencyMs: options.latencyMs,
  });
  const rules = iamRules(options.motoUrl);
  const proxy = await startProxy({
    targetUrl: options.motoUrl,
    hooks: [...(options.hooks ?? []), faults, ...rules.hooks],
  });
  const lines: string[] = [];
  const invocations: Invocation[] = [];
  try {
    const invoke = bundleInvoker(
      {
        env: {
          ...(options.baseEnv ?? process.env),
          AWS_ENDPOINT_URL_IAM: proxy.url,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_METRICS_DISABLED: 'false',
          OWNERSHIP_TABLE: ownershipTable,
          ...options.env,
        },
        onLine: (line) => lines.push(line),
      },
      (invocation) => invocations.push(invocation),
    );
    const run = await runEventSource(bodies, {
      invoke,
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? 500,
      seed: options.duplicates ? options.seed : undefined,
    });
    return { roleNames, run, actions: [...proxy.actions], injected: { ...faults.injected }, lines, invocations };
  } finally {
    await proxy.close();
    rules.close();
  }
}

/** Instance profiles as IAM holds them: every profile's name and the roles in it, listed as the scan lists them. */
export async function listProfiles(motoUrl: string): Promise<ReadonlyMap<string, readonly string[]>> {
  const iam = motoClient(motoUrl);
  const profiles = new Map<string, readonly string[]>();
  try {
    for await (const page of listProfilePages(iam)) {
      for (const profile of page) profiles.set(profile.name, profile.roleNames);
    }
  } finally {
    iam.destroy();
  }
  return profiles;
}

/** How the burst's roles ended, for the "every role in exactly its own profile, nothing else" check. */
export interface BurstEndState {
  /** Roles not in exactly one profile, the one of their own name, with the profiles that hold them. */
  readonly wrong: readonly { readonly role: string; readonly profiles: readonly string[] }[];
  /** Profiles named with the burst's prefix that are not a role's own profile holding it (empty leftovers, strays). */
  readonly stray: readonly string[];
}

/** Reads the end state of a burst's roles from IAM. */
export async function burstEndState(motoUrl: string, roleNames: readonly string[]): Promise<BurstEndState> {
  const profiles = await listProfiles(motoUrl);
  const roles = new Set(roleNames);
  const holding = new Map<string, string[]>(roleNames.map((role) => [role, []]));
  for (const [profile, members] of profiles) {
    for (const member of members) holding.get(member)?.push(profile);
  }
  const wrong = [...holding]
    .filter(([role, names]) => names.length !== 1 || names[0] !== role)
    .map(([role, names]) => ({ role, profiles: names }));
  const prefixes = new Set(roleNames.map((role) => role.replace(/-\d+$/, '')));
  const stray = [...profiles]
    .filter(([name]) => [...prefixes].some((prefix) => name.startsWith(`${prefix}-`)))
    .filter(([name, members]) => !(roles.has(name) && members.length === 1 && members[0] === name))
    .map(([name]) => name);
  return { wrong, stray };
}

function motoClient(motoUrl: string): IAMClient {
  return new IAMClient({
    endpoint: motoUrl,
    region: 'us-east-1',
    credentials: MOTO_CREDENTIALS,
  });
}
