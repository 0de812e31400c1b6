/**
 * `npm run bench`: the remediator bundle's size, import (cold start) time and IAM calls, each beside a
 * baseline measured in the same run:
 * - size and import time against a minimal handler (IAM client plus Powertools Logger) bundled with the
 *   same esbuild options, and against an empty module;
 * - IAM calls per remediation, counted on the wire by a proxy in front of moto.
 * Every bundle runs on the Lambda runtime's Node.js major (scripts/lambda-node.mjs), as in Lambda.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { build } from 'esbuild';
import { runBundle } from '../emulator/bundle-runner.js';
import { startIamProxy } from '../emulator/iam-faults.js';
import { createRoleEvent, sqsBatch } from '../emulator/lambda-shapes.js';
import { startMoto } from '../emulator/moto.js';
// @ts-expect-error: a plain ESM script without type declarations
import { BUNDLE_OPTIONS } from '../scripts/build.mjs';
import { lambdaNodePath } from '../scripts/lambda-node.mjs';

const run = promisify(execFile);
const OUT = '.bench';
const IMPORT_RUNS = 21;
const TARGETS = {
  empty: `${OUT}/empty.mjs`,
  baseline: `${OUT}/baseline/index.mjs`,
  remediator: 'dist/remediator/index.mjs',
} as const;

async function main(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  await writeFile(TARGETS.empty, 'export const handler = async () => ({});\n');
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: ['bench/baseline-handler.ts'],
    outfile: TARGETS.baseline,
    logLevel: 'error',
  });

  console.log('# size');
  for (const name of ['baseline', 'remediator'] as const) {
    const bytes = await readFile(TARGETS[name]);
    console.log(`${name.padEnd(11)} raw ${kb(bytes.length)}  gzip ${kb(gzipSync(bytes).length)}`);
  }

  console.log(`\n# cold start, median of ${IMPORT_RUNS} fresh node processes, interleaved`);
  console.log('            import alone          whole process (start, import, exit)');
  const times = await importTimes(Object.values(TARGETS));
  const empty = times[TARGETS.empty];
  for (const [name, file] of Object.entries(TARGETS)) {
    const t = times[file];
    if (t === undefined || empty === undefined) continue;
    const [importMs, processMs] = [median(t.importMs), median(t.processMs)];
    const ratios = [importMs / median(empty.importMs), processMs / median(empty.processMs)];
    console.log(
      `${name.padEnd(11)} ${importMs.toFixed(1).padStart(6)} ms ${ratios[0]?.toFixed(2).padStart(5)}x empty   ${processMs.toFixed(1).padStart(6)} ms ${ratios[1]?.toFixed(2).padStart(5)}x empty`,
    );
  }

  console.log('\n# IAM calls per remediation, counted by a proxy in front of moto');
  await countIamCalls();
}

/** Runs each file's import in a fresh process, round-robin so machine noise spreads evenly. */
async function importTimes(files: string[]): Promise<Record<string, { importMs: number[]; processMs: number[] }>> {
  const times: Record<string, { importMs: number[]; processMs: number[] }> = Object.fromEntries(
    files.map((f) => [f, { importMs: [], processMs: [] }]),
  );
  const probe = 'const t = performance.now(); await import(process.argv[1]); console.log(performance.now() - t);';
  const node = lambdaNodePath();
  for (let i = 0; i < IMPORT_RUNS; i++) {
    for (const file of files) {
      const started = performance.now();
      const { stdout } = await run(node, ['--input-type=module', '-e', probe, pathToFileURL(resolve(file)).href]);
      times[file]?.processMs.push(performance.now() - started);
      times[file]?.importMs.push(Number(stdout.trim()));
    }
  }
  return times;
}

async function countIamCalls(): Promise<void> {
  const moto = await startMoto();
  const proxy = await startIamProxy(moto.url);
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: moto.url,
    AWS_ENDPOINT_URL_IAM: proxy.url,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const iam = new IAMClient({
    endpoint: moto.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
  });
  const trust = (service: string) =>
    JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
  const cases = [
    { name: 'new EC2 role (create + link)', role: 'bench-new', service: 'ec2.amazonaws.com', profile: false },
    { name: 'EC2 role already in a profile', role: 'bench-linked', service: 'ec2.amazonaws.com', profile: true },
    { name: 'role EC2 cannot assume', role: 'bench-lambda', service: 'lambda.amazonaws.com', profile: false },
  ];
  try {
    for (const c of cases) {
      await iam.send(new CreateRoleCommand({ RoleName: c.role, AssumeRolePolicyDocument: trust(c.service) }));
      if (c.profile) {
        await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: `${c.role}-iac` }));
        await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: `${c.role}-iac`, RoleName: c.role }));
      }
      const seen = proxy.actions.length;
      await runBundle(sqsBatch(createRoleEvent(c.role)), { env });
      const actions = proxy.actions.slice(seen);
      console.log(`${c.name.padEnd(32)} ${actions.length} calls: ${actions.join(', ')}`);
    }
  } finally {
    await proxy.close();
    await moto.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1).padStart(6)} KiB (${bytes} B)`;
}

await main();
