/**
 * The remediator bundle itself: its size and import (cold start) time beside a minimal handler (IAM
 * client plus Powertools Logger, bench/baseline-handler.ts) bundled with the same esbuild options and an
 * empty module, and the IAM calls it makes per remediation beside the fewest the decision allows. Every
 * bundle runs on the Lambda runtime's Node.js major (toolchain/lambda-node.mjs), as in Lambda.
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
import { BUNDLE_OPTIONS, NO_LOGIN_PROFILES } from '../scripts/build.mjs';
import { BUNDLES } from '../toolchain/bundles.mjs';
import { lambdaNodePath } from '../toolchain/lambda-node.mjs';
import { type Figure, median, type Section } from './record.js';

const run = promisify(execFile);
const OUT = '.bench';
const IMPORT_RUNS = 21;
const TARGETS = {
  empty: `${OUT}/empty.mjs`,
  baseline: `${OUT}/baseline/index.mjs`,
  remediator: BUNDLES.remediator.path,
} as const;

/** Size and cold start. */
export async function bundleSections(): Promise<Section[]> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  await writeFile(TARGETS.empty, 'export const handler = async () => ({});\n');
  await build({
    ...BUNDLE_OPTIONS,
    // Built as the functions are, so that the two compare fairly.
    plugins: [...BUNDLE_OPTIONS.plugins, NO_LOGIN_PROFILES],
    entryPoints: ['bench/baseline-handler.ts'],
    outfile: TARGETS.baseline,
    logLevel: 'error',
  });

  const [ours, baseline] = await Promise.all([readFile(TARGETS.remediator), readFile(TARGETS.baseline)]);
  const kib = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
  const minimal = 'minimal handler (IAM client + Logger)';
  const size: Section = {
    title: 'Bundle size',
    method: `${BUNDLES.remediator.path}, and a minimal handler (bench/baseline-handler.ts) bundled with the same esbuild options.`,
    figures: [
      {
        name: 'remediator, raw',
        value: kib(ours.length),
        unit: 'KiB',
        baseline: { name: minimal, value: kib(baseline.length) },
      },
      {
        name: 'remediator, gzip',
        value: kib(gzipSync(ours).length),
        unit: 'KiB',
        baseline: { name: minimal, value: kib(gzipSync(baseline).length) },
      },
    ],
  };

  const times = await importTimes(Object.values(TARGETS));
  const ms = (file: string, key: 'importMs' | 'processMs') => Math.round(median(times[file]?.[key] ?? []) * 10) / 10;
  const cold: Section = {
    title: 'Cold start',
    method: `Median of ${IMPORT_RUNS} fresh Node 24 processes per file, interleaved: the import alone, and the whole process (start, import, exit).`,
    figures: [
      {
        name: 'remediator, import',
        value: ms(TARGETS.remediator, 'importMs'),
        unit: 'ms',
        baseline: { name: minimal, value: ms(TARGETS.baseline, 'importMs') },
      },
      {
        name: 'remediator, whole process',
        value: ms(TARGETS.remediator, 'processMs'),
        unit: 'ms',
        baseline: { name: 'an empty module', value: ms(TARGETS.empty, 'processMs') },
      },
    ],
  };
  return [size, cold, await callsSection()];
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

/** IAM calls per remediation, counted on the wire by the proxy in front of moto. */
async function callsSection(): Promise<Section> {
  const moto = await startMoto();
  const proxy = await startIamProxy(moto.url);
  const env = {
    PATH: process.env.PATH,
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
    {
      name: 'a new EC2 role (create and link)',
      role: 'bench-new',
      service: 'ec2.amazonaws.com',
      profile: false,
      least: 4,
    },
    {
      name: 'an EC2 role already in a profile',
      role: 'bench-linked',
      service: 'ec2.amazonaws.com',
      profile: true,
      least: 2,
    },
    {
      name: 'a role EC2 cannot assume',
      role: 'bench-lambda',
      service: 'lambda.amazonaws.com',
      profile: false,
      least: 1,
    },
  ];
  const figures: Figure[] = [];
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
      figures.push({
        name: `IAM calls, ${c.name}`,
        value: actions.length,
        unit: '',
        baseline: { name: 'the fewest the decision needs', value: c.least },
        note: actions.join(', '),
      });
    }
  } finally {
    iam.destroy();
    await proxy.close();
    await moto.stop();
  }
  return {
    title: 'IAM calls per remediation',
    method: 'One CreateRole event per case through the bundle, its IAM calls counted by the proxy in front of moto.',
    figures,
  };
}
