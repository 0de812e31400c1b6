/**
 * `npm run bench:scan`: the three ways to read an account for a scan, on one account in moto, each
 * counted on the wire (IAM calls through a proxy) and timed: the listing the scan uses
 * (GetAccountAuthorizationDetails + ListInstanceProfiles), ListRoles with GetRole per EC2 candidate, and
 * the naive GetRole + ListInstanceProfilesForRole per role. `ROLES=1000` sets the account's size.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { DEFAULT_CONFIG } from '../core/config.js';
import { PAGE_SIZE } from '../core/iam/list-account.js';
import { scanAccount } from '../core/scan.js';
import { createMixedAccount, type MixedAccountSpec } from '../emulator/account.js';
import { startIamProxy } from '../emulator/iam-faults.js';
import { startMoto } from '../emulator/moto.js';
import { listRolesScan, naiveScan } from './scan-baselines.js';

const ROLES = Number(process.env.ROLES ?? 600);
const RUNS = 3;

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const moto = await startMoto();
  const proxy = await startIamProxy(moto.url);
  try {
    const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    const direct = new IAMClient({ region: 'us-east-1', endpoint: moto.url, credentials });
    const iam = new IAMClient({ region: 'us-east-1', endpoint: proxy.url, credentials });
    const spec = mix(ROLES);
    const start = performance.now();
    const account = await createMixedAccount(direct, spec, 'bench');
    console.log(`# account: ${account.total} roles in moto (made in ${seconds(performance.now() - start)})`);
    console.log(JSON.stringify(spec));
    console.log(
      `page bound per listing: ceil(${account.total}/${PAGE_SIZE}) = ${Math.ceil(account.total / PAGE_SIZE)}\n`,
    );

    const approaches = {
      listing: async () => (await scanAccount({ iam, config: DEFAULT_CONFIG })) as Answer,
      listRoles: () => listRolesScan(iam, DEFAULT_CONFIG),
      naive: () => naiveScan(iam, DEFAULT_CONFIG),
    };
    console.log('approach    IAM calls  wall time (median of 3)  by action');
    for (const [name, run] of Object.entries(approaches)) {
      const times: number[] = [];
      let answer: Answer | undefined;
      let actions: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const start = proxy.actions.length;
        const t0 = performance.now();
        answer = await run();
        times.push(performance.now() - t0);
        actions = proxy.actions.slice(start);
      }
      if (answer === undefined) continue;
      const same =
        answer.summary.missing === account.expected.missing && answer.summary.conflicts === account.expected.conflicts;
      console.log(
        `${name.padEnd(11)} ${String(actions.length).padStart(9)}  ${seconds(median(times)).padStart(22)}  ${byAction(actions)}${same ? '' : '  (DIFFERENT ANSWER)'}`,
      );
    }
  } finally {
    await proxy.close();
    await moto.stop();
  }
}

interface Answer {
  readonly summary: { readonly missing: number; readonly conflicts: number };
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

function byAction(actions: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const action of actions) counts.set(action, (counts.get(action) ?? 0) + 1);
  return [...counts].map(([action, count]) => `${action} ${count}`).join(', ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

await main();
