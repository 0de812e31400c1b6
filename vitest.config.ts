import { defineConfig } from 'vitest/config';

/** Fake credentials and the IAM region: no test ever reaches AWS. */
const awsEnv = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

/** Integration, infra and acceptance tests start their own moto (globalSetup) and point the SDK at it. */
const motoSetup = {
  globalSetup: ['test/support/moto-global-setup.ts'],
  setupFiles: ['test/support/moto-env.ts'],
};

/**
 * Two tiers. `npm test` runs the quick loop, the projects unit, integration and infra; `npm run test:acceptance`
 * runs the project acceptance (test/acceptance/): the docs' commands, the sandbox, the burst under faults,
 * cfn-lint and the CDK app as a process. A slow test (a sandbox, a burst, a subprocess of a whole tool) goes there.
 */
/**
 * Test files at once. Most files mostly wait (on moto, a child process, a sandbox's settle delay) rather than
 * compute, and vitest's default, one fewer than the cores, runs a single file at a time on a 2-core machine.
 */
const WORKERS = 3;

export default defineConfig({
  test: {
    maxWorkers: WORKERS,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env: awsEnv,
          // The property tests are CPU-bound: on a busy shared machine the default 5 s is not theirs to keep.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          env: awsEnv,
          ...motoSetup,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          env: awsEnv,
          ...motoSetup,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'acceptance',
          include: ['test/acceptance/**/*.test.ts'],
          env: awsEnv,
          ...motoSetup,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
