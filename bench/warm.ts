/**
 * Warm handler time per remediation against the bare time of the IAM calls it needs: what the adapter,
 * the decision, logging and metrics add to the four calls a new EC2 role takes. The bundle is imported
 * once into this process (Node 24, as in a warm Lambda environment) and invoked with one-record batches;
 * the baseline sends the same four calls with a plain SDK client. Both talk to the same moto, directly,
 * one role after another, interleaved so that the machine's noise falls on both.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
} from '@aws-sdk/client-iam';
import { createRoleEvent, sqsBatch } from '../emulator/lambda-shapes.js';
import { startMoto } from '../emulator/moto.js';
import { BUNDLES } from '../toolchain/bundles.mjs';
import { median, type Section } from './record.js';

const RUNS = 30;
const WARM_UP = 3;
const EC2_TRUST = JSON.stringify({
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

type Handler = (event: unknown) => Promise<{ batchItemFailures: unknown[] }>;

/** Median warm handler time and median time of the bare calls, per remediation. */
export async function warmSection(): Promise<Section> {
  const moto = await startMoto();
  const saved = { ...process.env };
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const iam = new IAMClient({ endpoint: moto.url, region: 'us-east-1', credentials });
  try {
    // The function's environment, read once when the bundle is imported, as at a cold start.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const { handler } = (await import(pathToFileURL(resolve(BUNDLES.remediator.path)).href)) as {
      handler: Handler;
    };
    const handlerMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < WARM_UP + RUNS; i++) {
      const [viaHandler, bare] = [`warm-${randomUUID().slice(0, 8)}`, `bare-${randomUUID().slice(0, 8)}`];
      await iam.send(new CreateRoleCommand({ RoleName: viaHandler, AssumeRolePolicyDocument: EC2_TRUST }));
      await iam.send(new CreateRoleCommand({ RoleName: bare, AssumeRolePolicyDocument: EC2_TRUST }));
      const event = sqsBatch(createRoleEvent(viaHandler));
      let started = performance.now();
      const { batchItemFailures } = await handler(event);
      const handlerTime = performance.now() - started;
      if (batchItemFailures.length > 0) throw new Error(`the handler failed ${viaHandler}`);
      started = performance.now();
      await bareCalls(iam, bare);
      const bareTime = performance.now() - started;
      if (i >= WARM_UP) {
        handlerMs.push(handlerTime);
        bareMs.push(bareTime);
      }
    }
    const [handled, baseline] = [median(handlerMs), median(bareMs)];
    return {
      title: 'Warm handler time per remediation',
      method:
        `The bundle imported once (a warm environment) and invoked with a one-record batch per new EC2 role; ` +
        `the baseline sends the same four IAM calls with a plain SDK client. Median of ${RUNS} each, interleaved, against moto directly.`,
      figures: [
        {
          name: 'handler, create and link',
          value: Math.round(handled * 10) / 10,
          unit: 'ms',
          baseline: { name: 'its 4 IAM calls, bare', value: Math.round(baseline * 10) / 10 },
        },
      ],
    };
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    iam.destroy();
    await moto.stop();
  }
}

/** What the handler does for a new EC2 role, and nothing else: read, list, create with our tags, add. */
async function bareCalls(iam: IAMClient, roleName: string): Promise<void> {
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
  await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: roleName }));
  await iam.send(
    new CreateInstanceProfileCommand({
      InstanceProfileName: roleName,
      Path: Role?.Path ?? '/',
      Tags: [
        { Key: 'auto-instance-profile:managed', Value: 'true' },
        { Key: 'auto-instance-profile:source-role-id', Value: Role?.RoleId ?? '' },
        { Key: 'auto-instance-profile:source-role-arn', Value: Role?.Arn ?? '' },
      ],
    }),
  );
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: roleName, RoleName: roleName }));
}
