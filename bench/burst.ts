/**
 * The burst under faults: a Terraform apply's worth of CreateRole events, 20% throttling and 5% 5xx, driven
 * as the stack delivers them (emulator/burst.ts), with the batch's concurrency on and off and with the
 * SDK's standard and adaptive retry modes. Each run has a fresh moto, and its end state is checked: the
 * figures compare runs that reached the same result.
 */
import { BURST_FAULTS, burstEndState, MIN_CALLS_PER_ROLE, runBurst } from '../emulator/burst.js';
import { startMoto } from '../emulator/moto.js';
import type { Figure, Section } from './record.js';

/** One configuration of the function. */
interface Variant {
  readonly label: string;
  readonly concurrency: number;
  readonly retryMode: 'standard' | 'adaptive';
}

/** What one run measured. */
interface Measured {
  readonly wallSeconds: number;
  readonly calls: number;
  readonly invocations: number;
  readonly redelivered: number;
  readonly wrong: number;
}

const VARIANTS = {
  concurrent: { label: 'batch concurrency 4, standard retries', concurrency: 4, retryMode: 'standard' },
  sequential: { label: 'batch concurrency 1 (sequential), standard retries', concurrency: 1, retryMode: 'standard' },
  adaptive: { label: 'batch concurrency 4, adaptive retries', concurrency: 4, retryMode: 'adaptive' },
} as const satisfies Record<string, Variant>;

/** Runs the burst once per variant and returns the section. */
export async function burstSection(roles: number, seed: number): Promise<Section> {
  const measured: Partial<Record<keyof typeof VARIANTS, Measured>> = {};
  for (const [key, variant] of Object.entries(VARIANTS) as [keyof typeof VARIANTS, Variant][]) {
    measured[key] = await runOnce(variant, roles, seed);
    console.log(`burst  ${variant.label}: ${JSON.stringify(measured[key])}`);
  }
  const { concurrent, sequential, adaptive } = measured as Record<keyof typeof VARIANTS, Measured>;
  const minimum = roles * MIN_CALLS_PER_ROLE;
  const result = (m: Measured) => (m.wrong === 0 ? undefined : `${m.wrong} roles or records wrong`);
  const figures: Figure[] = [
    {
      name: `wall time, ${VARIANTS.concurrent.label}`,
      value: concurrent.wallSeconds,
      unit: 's',
      baseline: { name: VARIANTS.sequential.label, value: sequential.wallSeconds },
      note: result(concurrent),
    },
    {
      name: `IAM calls, ${VARIANTS.concurrent.label}`,
      value: concurrent.calls,
      unit: 'calls',
      baseline: { name: `the minimum, ${MIN_CALLS_PER_ROLE} per role`, value: minimum },
    },
    {
      name: `IAM calls, ${VARIANTS.sequential.label}`,
      value: sequential.calls,
      unit: 'calls',
      baseline: { name: `the minimum, ${MIN_CALLS_PER_ROLE} per role`, value: minimum },
      note: result(sequential),
    },
    {
      name: `IAM calls, ${VARIANTS.adaptive.label}`,
      value: adaptive.calls,
      unit: 'calls',
      baseline: { name: 'standard retries', value: concurrent.calls },
      note: result(adaptive),
    },
    {
      name: `wall time, ${VARIANTS.adaptive.label}`,
      value: adaptive.wallSeconds,
      unit: 's',
      baseline: { name: 'standard retries', value: concurrent.wallSeconds },
    },
    {
      name: `invocations, ${VARIANTS.concurrent.label}`,
      value: concurrent.invocations,
      unit: '',
      baseline: { name: `batches of 10, no redelivery`, value: Math.ceil(roles / 10) },
      note: `${concurrent.redelivered} records redelivered`,
    },
  ];
  return {
    title: `A burst of ${roles} CreateRole events under faults`,
    method:
      `${roles} new EC2 roles, one CreateRole event each, delivered as the stack does (batches of 10, two invocations at once, ` +
      `each a fresh process of the bundle on Node 24; failed records back after a scaled visibility timeout, the DLQ after 5 receives), ` +
      `against moto behind the IAM proxy with seeded faults (seed ${seed}): ${pct(BURST_FAULTS.throttling)} Throttling, ` +
      `${pct(BURST_FAULTS.serverError)} HTTP 500 and ${pct(BURST_FAULTS.unavailable)} HTTP 503, drawn per request. ` +
      'Every run ended with each role in exactly its own profile and nothing in the DLQ, unless a note says otherwise. ' +
      '`BATCH_CONCURRENCY` and `AWS_RETRY_MODE` set the variants.',
    figures,
  };
}

async function runOnce(variant: Variant, roles: number, seed: number): Promise<Measured> {
  const moto = await startMoto();
  try {
    const baseEnv = {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_REGION: 'us-east-1',
    };
    const burst = await runBurst({
      motoUrl: moto.url,
      roles,
      seed,
      baseEnv,
      env: { BATCH_CONCURRENCY: String(variant.concurrency), AWS_RETRY_MODE: variant.retryMode },
    });
    const end = await burstEndState(moto.url, burst.roleNames);
    return {
      wallSeconds: burst.run.wallMs / 1000,
      calls: burst.actions.length,
      invocations: burst.run.batches.length,
      redelivered: [...burst.run.receiveCounts.values()].filter((count) => count > 1).length,
      wrong: end.wrong.length + end.stray.length + burst.run.deadLetters.length,
    };
  } finally {
    await moto.stop();
  }
}

function pct(share: number | undefined): string {
  return `${Math.round((share ?? 0) * 1000) / 10}%`;
}
