/**
 * `scan --org` over an organization in moto: the built CLI (dist/cli/index.mjs) as a user runs it, with every
 * IAM call held back by a fixed latency at the proxy (AWS's own round trip, which moto on loopback lacks),
 * at `--concurrency 8` (the default) against `--concurrency 1`. STS and IAM calls are counted by the proxy.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMixedAccount, type MixedAccountSpec } from '../emulator/account.js';
import { assumeRoleChecks } from '../emulator/assume-role.js';
import { iamFaults } from '../emulator/iam-faults.js';
import { startMoto } from '../emulator/moto.js';
import { createOrganization } from '../emulator/organization.js';
import { proxiedAwsEnv, startProxy } from '../emulator/proxy.js';
import { median, type Section } from './record.js';

const RUNS = 3;
const CLI = 'dist/cli/index.mjs';

/** Each account's roles: a few of every kind the scan tells apart. */
const SPEC: MixedAccountSpec = {
  ec2Missing: 3,
  ec2Covered: 2,
  adoptable: 1,
  otherService: 3,
  optedOut: 1,
  conflicting: 1,
  excluded: 1,
};

/** Scans an organization of `accounts` accounts (the management account and members) with IAM `latencyMs` away. */
export async function orgScanSection(accounts: number, latencyMs: number): Promise<Section> {
  const moto = await startMoto();
  // The accounts are made directly in moto; only the CLI's calls go through the proxy and wait.
  const proxy = await startProxy({
    targetUrl: moto.url,
    hooks: [assumeRoleChecks(moto.url), iamFaults({ before: () => sleep(latencyMs) })],
  });
  const org = await createOrganization(
    moto.url,
    Array.from({ length: accounts - 1 }, (_, i) => ({ name: `member-${String(i + 1).padStart(2, '0')}` })),
  );
  try {
    for (const account of [org.management, ...org.members]) await createMixedAccount(account.iam, SPEC, 'bench');
    const env = {
      ...withoutAws(process.env),
      ...proxiedAwsEnv(moto.url, proxy),
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const measured: Record<number, { seconds: number; sts: number; iam: number; missing: number }> = {};
    for (const concurrency of [8, 1]) {
      const times: number[] = [];
      let calls = { sts: 0, iam: 0 };
      let missing = -1;
      for (let i = 0; i < RUNS; i++) {
        const start = proxy.calls.length;
        const t0 = performance.now();
        // moto keeps no CloudTrail event history to ask who created the roles: the scan's IAM cost is measured without.
        const stdout = await run(
          ['scan', '--org', '--json', '--no-creator-lookup', '--concurrency', String(concurrency)],
          env,
        );
        times.push(performance.now() - t0);
        const seen = proxy.calls.slice(start);
        calls = {
          sts: seen.filter((call) => call.service === 'sts').length,
          iam: seen.filter((call) => call.service === 'iam').length,
        };
        const summary = (JSON.parse(stdout) as { summary: { scanned: number; missing: number } }).summary;
        if (summary.scanned !== accounts)
          throw new Error(`scan --org scanned ${summary.scanned} of ${accounts} accounts`);
        missing = summary.missing;
      }
      measured[concurrency] = { seconds: median(times) / 1000, ...calls, missing };
      console.log(`org-scan  concurrency ${concurrency}: ${JSON.stringify(measured[concurrency])}`);
    }
    const [eight, one] = [measured[8], measured[1]];
    if (eight === undefined || one === undefined) throw new Error('not measured');
    const round = (seconds: number) => Math.round(seconds * 100) / 100;
    return {
      title: `scan --org over ${accounts} accounts, IAM ${latencyMs} ms away`,
      method:
        `An organization in moto: the management account and ${accounts - 1} members, each with ${Object.values(SPEC).reduce((a, b) => a + b, 0)} roles of every kind ` +
        `(\`bench/org-scan.ts\`). The built CLI's \`scan --org --json\`, every IAM call held ${latencyMs} ms at a proxy, ` +
        `STS and IAM calls counted there; wall time the median of ${RUNS}, process start included.`,
      figures: [
        {
          name: 'scan --org, wall time at --concurrency 8',
          value: round(eight.seconds),
          unit: 's',
          baseline: { name: '--concurrency 1', value: round(one.seconds) },
          note: `${(eight.seconds / one.seconds).toFixed(2)}× the time of one account at a time`,
        },
        {
          name: 'scan --org, STS calls',
          value: eight.sts,
          unit: 'calls',
          baseline: { name: `GetCallerIdentity + one AssumeRole per member`, value: 1 + (accounts - 1) },
        },
        {
          name: 'scan --org, IAM calls',
          value: eight.iam,
          unit: 'calls',
          baseline: {
            name: 'one page of each listing per account + one GetInstanceProfile per adoptable or conflicting role',
            value: accounts * (2 + SPEC.adoptable + SPEC.conflicting),
          },
        },
      ],
    };
  } finally {
    org.close();
    await proxy.close();
    await moto.stop();
  }
}

function run(args: readonly string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { env, timeout: 300_000 }, (error, stdout, stderr) => {
      // Exit code 1 is expected: the accounts have roles without a profile.
      if (error !== null && error.code !== 1) reject(new Error(`${args.join(' ')}: ${stderr}`));
      else resolve(stdout);
    });
  });
}

function withoutAws(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && !name.startsWith('AWS_')) kept[name] = value;
  return kept;
}
