/**
 * The scan of one account in moto, three ways, each counted on the wire (IAM calls through a proxy) and
 * timed: the listing the scan uses (GetAccountAuthorizationDetails + ListInstanceProfiles), ListRoles with
 * GetRole per EC2 candidate, and the naive GetRole + ListInstanceProfilesForRole per role
 * (bench/scan-baselines.ts). All three must give the same answer.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { DEFAULT_CONFIG } from '../core/config.js';
import { PROFILE_PAGE_SIZE, ROLE_PAGE_SIZE } from '../core/iam/list-account.js';
import { scanAccount } from '../core/scan.js';
import { createMixedAccount, type MixedAccountSpec } from '../emulator/account.js';
import { startIamProxy } from '../emulator/iam-faults.js';
import { startMoto } from '../emulator/moto.js';
import { median, type Section } from './record.js';
import { listRolesScan, naiveScan } from './scan-baselines.js';

const RUNS = 3;

interface Answer {
  readonly summary: { readonly missing: number; readonly conflicts: number };
}

/** Scans an account of `roles` roles each way, `RUNS` times, and returns the figures. */
export async function scanSection(roles: number): Promise<Section> {
  const moto = await startMoto();
  const proxy = await startIamProxy(moto.url);
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const direct = new IAMClient({ region: 'us-east-1', endpoint: moto.url, credentials });
  const iam = new IAMClient({ region: 'us-east-1', endpoint: proxy.url, credentials });
  try {
    const account = await createMixedAccount(direct, mix(roles), 'bench');
    const approaches = {
      listing: async () => (await scanAccount({ iam, config: DEFAULT_CONFIG })) as Answer,
      listRoles: () => listRolesScan(iam, DEFAULT_CONFIG),
      naive: () => naiveScan(iam, DEFAULT_CONFIG),
    };
    const measured: Record<string, { calls: number; seconds: number; same: boolean; byAction: string }> = {};
    for (const [name, scan] of Object.entries(approaches)) {
      const times: number[] = [];
      let answer: Answer | undefined;
      let actions: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const start = proxy.actions.length;
        const t0 = performance.now();
        answer = await scan();
        times.push(performance.now() - t0);
        actions = proxy.actions.slice(start);
      }
      const same =
        answer?.summary.missing === account.expected.missing && answer.summary.conflicts === account.expected.conflicts;
      measured[name] = { calls: actions.length, seconds: median(times) / 1000, same, byAction: byAction(actions) };
      console.log(`scan  ${name}: ${JSON.stringify(measured[name])}`);
    }
    const { listing, listRoles, naive } = measured as Record<keyof typeof approaches, (typeof measured)[string]>;
    const wrong = (m: { same: boolean }) => (m.same ? undefined : 'A DIFFERENT ANSWER');
    const naiveName = 'naive: GetRole + ListInstanceProfilesForRole per role';
    return {
      title: `The scan of a ${account.total.toLocaleString('en-US')}-role account`,
      method:
        `One account in moto: ${describe(mix(roles))}. The scan (\`core/scan.ts\`: GetAccountAuthorizationDetails and ListInstanceProfiles, ` +
        `${ROLE_PAGE_SIZE} roles and ${PROFILE_PAGE_SIZE} profiles a page, plus GetInstanceProfile where a same-name profile must be read) against the naive per-role method and ` +
        `ListRoles with GetRole per EC2 role (\`bench/scan-baselines.ts\`, 8 at once), all giving the same answer; IAM calls counted by the proxy, ` +
        `wall time the median of ${RUNS}.`,
      figures: [
        {
          name: 'the scan, IAM calls',
          value: listing.calls,
          unit: 'calls',
          baseline: { name: naiveName, value: naive.calls },
          note: wrong(listing) ?? listing.byAction,
        },
        {
          name: 'the scan, wall time',
          value: Math.round(listing.seconds * 100) / 100,
          unit: 's',
          baseline: { name: naiveName, value: Math.round(naive.seconds * 100) / 100 },
        },
        {
          name: 'ListRoles + GetRole per EC2 role, IAM calls',
          value: listRoles.calls,
          unit: 'calls',
          baseline: { name: naiveName, value: naive.calls },
          note: wrong(listRoles),
        },
        {
          name: 'ListRoles + GetRole per EC2 role, wall time',
          value: Math.round(listRoles.seconds * 100) / 100,
          unit: 's',
          baseline: { name: naiveName, value: Math.round(naive.seconds * 100) / 100 },
        },
      ],
    };
  } finally {
    direct.destroy();
    iam.destroy();
    await proxy.close();
    await moto.stop();
  }
}

/** Half EC2 roles, the rest spread over the other kinds. */
function mix(total: number): MixedAccountSpec {
  const share = (fraction: number) => Math.round(total * fraction);
  const spec = {
    ec2Missing: share(0.3),
    ec2Covered: share(0.1),
    adoptable: share(0.02),
    otherService: share(0.4),
    optedOut: share(0.05),
    conflicting: share(0.05),
    excluded: 0,
  };
  return { ...spec, excluded: total - Object.values(spec).reduce((a, b) => a + b, 0) };
}

function describe(spec: MixedAccountSpec): string {
  return Object.entries(spec)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

function byAction(actions: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const action of actions) counts.set(action, (counts.get(action) ?? 0) + 1);
  return [...counts].map(([action, count]) => `${action} ${count}`).join(', ');
}
