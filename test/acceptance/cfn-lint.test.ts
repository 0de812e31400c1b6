/**
 * cfn-lint (the pinned Python tool, see requirements-dev.txt, found by toolchain/python-tools.mjs in the global
 * setup) on the synthesized templates: no errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeZone } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PYTHON_TOOLS_COMMAND } from '../../toolchain/python-tools.mjs';
import {
  type OrgSynthOptions,
  removeSynthOutputs,
  type SynthOptions,
  synthesize,
  synthesizeOrg,
} from '../infra/support/synth.js';

/** One cfn-lint finding, as `--format json` reports it. */
interface Match {
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path?: readonly (string | number)[] };
}

const CONFIGURATIONS: Record<string, SynthOptions> = {
  'environment-agnostic defaults': {},
  'us-east-1, reconcile only by hand': {
    env: { region: 'us-east-1' },
    props: { reconcileSchedule: 'disabled', reconcileAfterDeploy: false },
  },
  'us-east-1 with every option': {
    env: { region: 'us-east-1', account: '123456789012' },
    props: {
      createTrail: true,
      dryRun: true,
      excludedPathPrefixes: [],
      ignoredCallers: ['cloudformation.amazonaws.com'],
      reconcileSchedule: ScheduleExpression.cron({ hour: '3', minute: '0', timeZone: TimeZone.EUROPE_PARIS }),
    },
    context: { alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-alarms' },
  },
};

const workdir = mkdtempSync(join(tmpdir(), 'aip-cfn-lint-'));

afterAll(() => {
  removeSynthOutputs();
  rmSync(workdir, { recursive: true, force: true });
});

function cfnLint(templatePath: string): { status: number | null; matches: Match[]; stderr: string } {
  const result = spawnSync(
    inject('pythonTools').cfnLint,
    ['--format', 'json', '--regions', 'us-east-1', '--', templatePath],
    {
      encoding: 'utf8',
      timeout: 90_000,
    },
  );
  if (result.error !== undefined) {
    throw new Error(`cannot run cfn-lint (${result.error.message}); see why with: ${PYTHON_TOOLS_COMMAND}`);
  }
  const matches = result.stdout.trim() === '' ? [] : (JSON.parse(result.stdout) as Match[]);
  return { status: result.status, matches, stderr: result.stderr };
}

describe.each(Object.entries(CONFIGURATIONS))('cfn-lint, %s', (name, options) => {
  it('reports no error', () => {
    // Prepare
    const { template } = synthesize(options);
    const path = join(workdir, `${name.replaceAll(' ', '-')}.template.json`);
    writeFileSync(path, JSON.stringify(template.toJSON(), null, 2));

    // Act
    const { status, matches, stderr } = cfnLint(path);

    // Assess
    const errors = matches
      .filter((m) => m.Level === 'Error')
      .map((m) => `${m.Rule.Id} ${m.Message} at ${m.Location.Path?.join('/')}`);
    expect(errors).toEqual([]);
    // cfn-lint's exit status is a bit field: 2 means errors; anything above 14 means it could not lint.
    expect(status !== null && (status & 2) === 0 && status <= 14, `exit ${status}: ${stderr}`).toBe(true);
  });
});

const ORG_CONFIGURATIONS: Record<string, OrgSynthOptions> = {
  'organization, environment-agnostic defaults': {},
  'organization, us-east-1 with every option': {
    env: { region: 'us-east-1', account: '123456789012' },
    organization: {
      organizationalUnitIds: ['ou-ab12-11111111', 'ou-ab12-22222222'],
      callAs: 'DELEGATED_ADMIN',
      retainStacksOnAccountRemoval: true,
      maxConcurrentPercentage: 100,
      failureTolerancePercentage: 0,
      regionConcurrency: 'PARALLEL',
      alarmEmail: 'platform@example.com',
    },
    service: { createTrail: true, dryRun: true, reconcileSchedule: 'disabled' },
    // Every setting an OU may set, so that each is a parameter of the member template.
    ouSettings: {
      'ou-ab12-11111111': {
        dryRun: false,
        selection: 'opt-in',
        excludedPathPrefixes: [],
        ignoredCallers: ['cloudformation.amazonaws.com', 'arn:aws:sts::*:assumed-role/ci/*'],
        unknownCreator: 'remediate',
        instanceProfileQuotaPercent: 90,
        batchConcurrency: 2,
        maxConcurrency: 5,
        logLevel: 'WARN',
        settleDelaySeconds: 60,
        logRetentionDays: 30,
        trailRetentionDays: 30,
      },
    },
  },
};

describe.each(Object.entries(ORG_CONFIGURATIONS))('cfn-lint, %s', (name, options) => {
  it('reports no error in the organization template nor in the member template its StackSet deploys', () => {
    // Prepare
    const { template, memberPath } = synthesizeOrg(options);
    const path = join(workdir, `${name.replaceAll(' ', '-')}.template.json`);
    writeFileSync(path, JSON.stringify(template.toJSON(), null, 2));

    // Act
    const results = [path, memberPath].map((file) => ({ file, ...cfnLint(file) }));

    // Assess
    for (const { file, status, matches, stderr } of results) {
      const errors = matches
        .filter((m) => m.Level === 'Error')
        .map((m) => `${m.Rule.Id} ${m.Message} at ${m.Location.Path?.join('/')}`);
      expect(errors, file).toEqual([]);
      expect(status !== null && (status & 2) === 0 && status <= 14, `${file}: exit ${status}: ${stderr}`).toBe(true);
    }
  });
});
