/**
 * `auto-instance-profile doctor`: checks that an account is set up for the pipeline and, with `--smoke`,
 * proves it end to end. For real accounts; works against moto and the sandbox through the SDK's endpoint
 * settings.
 */
import { CALL_AS } from '../../core/organizations.js';
import { ORG_STACK_NAME, STACK_NAME, STACK_SET_INSTANCE_PREFIX, STACK_SET_NAME } from '../../core/pipeline-settings.js';
import { SETTINGS } from '../../core/settings.js';
import { OPT_IN_TAG, SKIP_TAG } from '../../core/tags.js';
import { openSession } from '../account.js';
import {
  AWS_OPTION_ROWS,
  AWS_OPTIONS,
  exitCodeSection,
  formatHelp,
  HELP_OPTION,
  HELP_ROW,
  nonBlank,
  settingOption,
  wholeOption,
} from '../args.js';
import { type CliIo, defineCommand, type Output } from '../command.js';
import { CHECK_NAMES, type CheckResult, checkView, DOCTOR_CHECKS, passes, tally } from '../doctor/checks.js';
import { type DoctorReport, doctorClients, readSettleDelay, runDoctor } from '../doctor/doctor.js';
import {
  runSmoke,
  SMOKE_MARGIN_SECONDS,
  SMOKE_RELEASE_TIMEOUT_SECONDS,
  type SmokeOutcome,
  smokeTiming,
} from '../doctor/smoke.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { doctorOrganization, organizationHealthy, writeOrgDoctor } from '../org/doctor-org.js';
import { ORG_OPTIONS, ORG_ROWS, orgSettings } from '../org/org.js';
import type { StackSetOptions } from '../org/stack-set.js';
import { headerLine, progressLine, type ReportIdentity, reportIdentity, statusMark, writeJson } from '../output.js';
import { createStyle, type Style, shouldColor } from '../style.js';

/** The longest `--timeout`: an hour. */
const MAX_TIMEOUT_SECONDS = 3600;

const HELP = formatHelp(
  'auto-instance-profile doctor [options]',
  'Checks that this account and region are ready for the pipeline; with --smoke, proves it end to end.',
  [
    {
      title: 'Checks',
      rows: Object.entries(DOCTOR_CHECKS),
    },
    {
      title: 'Options',
      rows: [
        ['--smoke', 'also run the smoke check, and report how long the profile took'],
        [
          '--timeout SECONDS',
          `with --smoke: seconds to wait for the profile (default: the queue's settle delay, else ${SETTINGS.settleDelay.default}, + ${SMOKE_MARGIN_SECONDS})`,
        ],
        [
          '--json',
          'print the report as JSON: account, region, settings {selection, dryRun}, checks [{name, ok, status, detail}], smoke',
        ],
        [
          '',
          'with --org: { stackSet, summary: {accounts, scanned, unreachable, notStarted, failing, …}, complete, accounts: [{accountId, name, status, error, summary, checks, settings}] }',
        ],
        [
          '--stack-name NAME',
          `the stack to look for (default: ${STACK_NAME}, else the one ${STACK_SET_INSTANCE_PREFIX}… stack with the service's outputs)`,
        ],
        ...ORG_ROWS,
        [
          '--stack-set-name NAME',
          `with --org: the StackSet (default: the ${ORG_STACK_NAME} stack's StackSetName output, else ${STACK_SET_NAME})`,
        ],
        [
          '--call-as WHO',
          `with --org: ${CALL_AS.join(', or ')} from a delegated administrator (default: the ${ORG_STACK_NAME} stack's CallAs output, else ${CALL_AS[0]})`,
        ],
        ...AWS_OPTION_ROWS,
        HELP_ROW,
      ],
    },
    {
      title: 'Notes',
      rows: [
        [
          'status',
          'ok, warning, paused, failed, or not-checked: a warning passes, and so does paused (event-sources, while the service is paused); a check that could not run is not counted as failed',
        ],
        ['endpoints', "the SDK's own: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, the profile's endpoint_url"],
        [
          'permissions',
          'read-only; auto-instance-profile policy doctor (--smoke, --org) prints the IAM policy it needs',
        ],
        [
          '--org',
          "the StackSet's stack instances per account and region (status, drift), the targeted accounts without one, then these checks in every account but ownership (run doctor in the account for it); docs/organization.md",
        ],
      ],
    },
    exitCodeSection({
      ok: 'every check passed: ok, a warning, or paused (the service paused on purpose)',
      failed: 'a check failed or could not run (with --org: in any account, or an account was unreachable)',
      aws: 'no credentials, an unknown profile, no region, or AWS could not be reached; with --org, an Organizations or StackSet read error',
      interrupted: 'interrupted (Ctrl-C); --smoke removes its role first',
    }),
  ],
);

const OPTIONS = {
  ...AWS_OPTIONS,
  ...HELP_OPTION,
  json: { type: 'boolean', default: false },
  smoke: { type: 'boolean', default: false },
  timeout: { type: 'string' },
  'stack-name': { type: 'string' },
  ...ORG_OPTIONS,
  'stack-set-name': { type: 'string' },
  'call-as': { type: 'string' },
} as const;

/** The doctor command. */
export const doctorCommand = defineCommand({
  name: 'doctor',
  summary:
    'check that the account is ready (region, trail, stack, rules, event sources or a pause, dead-letter queue, instance profile quota, ownership record); --smoke proves it; --org',
  help: HELP,
  options: OPTIONS,
  async run({ values }, io) {
    const timeout = wholeOption('timeout', values.timeout, {
      kind: 'duration',
      unit: 'seconds',
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
    });
    if (timeout !== undefined && !values.smoke) throw new UsageError('--timeout goes with --smoke');
    const requestedStack = nonBlank('stack-name', values['stack-name']);
    const stackName = requestedStack ?? STACK_NAME;
    const org = orgSettings(values);
    const stackSet = stackSetOptions(values, org !== undefined);
    if (org !== undefined && values.smoke) throw new UsageError('--smoke checks one account: it goes without --org');
    const session = await openSession(values, io);
    const identity = reportIdentity('doctor', session);
    if (org !== undefined) {
      const document = await doctorOrganization(session, identity, org, stackSet, requestedStack, io);
      if (values.json) writeJson(io.stdout, document);
      else
        writeOrgDoctor(io.stdout, createStyle(shouldColor(io.stdout, io.env)), document, io.signal?.aborted === true);
      if (io.signal?.aborted === true) return EXIT.interrupted;
      return organizationHealthy(document) ? EXIT.ok : EXIT.failed;
    }
    const text = values.json ? undefined : textReport(io, identity, stackName);

    const clients = doctorClients(session.clientConfig, session.customSqsEndpoint);
    const { iam, sqs } = clients;
    try {
      const report = await runDoctor({ ...clients, region: session.region, stackName: requestedStack });
      for (const check of report.checks) text?.check(check);
      let smoke: SmokeOutcome | undefined;
      if (values.smoke) {
        const timing = smokeTiming(timeout, await readSettleDelay(sqs, report.outputs));
        const progress = progressLine(io.stderr);
        smoke = await runSmoke({
          iam,
          timing,
          failedChecks: report.checks.filter((check) => check.status === 'failed').map((check) => check.name),
          functionName: report.outputs?.functionName,
          signal: io.signal,
          onWait: (seconds, roleName) =>
            progress.update(
              `smoke: waiting for instance profile ${roleName} … ${seconds} s of ${timing.timeoutSeconds} s`,
            ),
          onReleaseWait: (seconds, roleName) =>
            progress.update(
              `smoke: DeleteRole conflicted; waiting for the service to release instance profile ${roleName} … ${seconds} s of ${SMOKE_RELEASE_TIMEOUT_SECONDS} s`,
            ),
        });
        progress.done();
        text?.check(smoke.check);
      }
      const checks = [...report.checks, ...(smoke === undefined ? [] : [smoke.check])];
      if (text === undefined) writeJson(io.stdout, jsonReport(identity, report, checks, smoke));
      else {
        text.settings(report.settings);
        text.summary(checks);
      }
      if (smoke?.interrupted === true) return EXIT.interrupted;
      return checks.every((check) => passes(check.status)) ? EXIT.ok : EXIT.failed;
    } finally {
      clients.destroy();
    }
  },
});

/** `--stack-set-name` and `--call-as`, which go with --org. */
function stackSetOptions(
  values: { readonly 'stack-set-name'?: string | undefined; readonly 'call-as'?: string | undefined },
  org: boolean,
): StackSetOptions {
  const name = nonBlank('stack-set-name', values['stack-set-name']);
  const callAs = nonBlank('call-as', values['call-as']);
  if (!org && (name !== undefined || callAs !== undefined)) {
    throw new UsageError(`--${name === undefined ? 'call-as' : 'stack-set-name'} goes with --org`);
  }
  return {
    name: settingOption('stack-set-name', name, SETTINGS.stackSetName),
    callAs: settingOption('call-as', callAs, SETTINGS.callAs),
  };
}

/** The `--json` report. Its fields are an interface: scripts read them. */
function jsonReport(
  identity: ReportIdentity,
  report: Pick<DoctorReport, 'stackName' | 'settings'>,
  checks: readonly CheckResult[],
  smoke: SmokeOutcome | undefined,
) {
  return {
    ...identity,
    stack: report.stackName,
    // The deployed remediator's settings ({ selection, dryRun }), or null when they could not be read.
    settings: report.settings ?? null,
    summary: tally(checks),
    checks: checks.map(checkView),
    ...(smoke === undefined
      ? {}
      : {
          smoke: {
            role: smoke.roleName,
            latencySeconds: smoke.latencySeconds ?? null,
            settleDelaySeconds: smoke.timing.settleDelaySeconds ?? null,
            timeoutSeconds: smoke.timing.timeoutSeconds,
            removed: smoke.removed,
            removal: smoke.removal?.how ?? null,
            releaseSeconds: smoke.removal?.how === 'released' ? smoke.removal.seconds : null,
          },
        }),
  };
}

/** The text report, written as the checks come in: the header first, so that a slow check shows where it is. */
function textReport(io: CliIo, identity: ReportIdentity, stackName: string) {
  const out: Output = io.stdout;
  const style: Style = createStyle(shouldColor(out, io.env));
  const width = Math.max(...CHECK_NAMES.map((name) => name.length));
  out.write(headerLine(style, 'auto-instance-profile', identity, [`stack ${stackName}`]));
  return {
    check(check: CheckResult) {
      const detail = check.status === 'failed' ? style.red(check.detail) : check.detail;
      out.write(`  ${statusMark(style, check.status)}  ${check.name.padEnd(width)}  ${detail}\n`);
    },
    /** Which roles the deployed service serves, and whether it changes anything: `settings: selection opt-in (…); dry run off`. */
    settings(settings: DoctorReport['settings']) {
      if (settings === undefined) return;
      const selection =
        settings.selection === 'opt-in'
          ? `selection opt-in (only roles tagged ${OPT_IN_TAG}=true)`
          : `selection opt-out (every EC2 role but those tagged ${SKIP_TAG}=true)`;
      out.write(`  ${style.dim(`settings: ${selection}; dry run ${settings.dryRun ? 'on' : 'off'}`)}\n`);
    },
    summary(checks: readonly CheckResult[]) {
      const counts = tally(checks);
      const notChecked = counts['not-checked'] === 0 ? '' : `, ${counts['not-checked']} not checked`;
      const warnings = counts.warning === 0 ? '' : ` (${counts.warning} with a warning)`;
      // Paused on purpose passes, and is said: the service decides nothing until it resumes.
      const paused = counts.paused === 0 ? '' : ' The service is paused: auto-instance-profile resume.';
      out.write(
        counts.failed === 0 && counts['not-checked'] === 0
          ? `${(counts.warning === 0 && counts.paused === 0 ? style.green : style.yellow)(`All ${checks.length} checks passed${warnings}.${paused}`)}\n`
          : `${(counts.failed === 0 ? style.yellow : style.red)(`${counts.ok + counts.warning + counts.paused} passed${warnings}, ${counts.failed} failed${notChecked}.${paused}`)}\n`,
      );
    },
  };
}
