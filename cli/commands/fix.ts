/**
 * `auto-instance-profile fix`: the scan, then the missing profiles made with the core remediation
 * (decided again from current state, starting from the scan's facts), with the deployed stack's settings and the
 * roles' creators (cli/scan/settings.ts). Acts directly: a person is waiting. Where the service is installed and `fix`
 * cannot record what it makes, it hands the missing roles over to the service (cli/scan/hand-over.ts). With `--org`,
 * the same in every account of the organization where the service is installed, where it always hands over (the
 * member role cannot record); `--all-accounts`: also fixes the others itself. One question for all.
 */

import type { IAMClient } from '@aws-sdk/client-iam';
import type { Config } from '../../core/config.js';
import {
  ACCOUNT_OPTIONS,
  ask,
  COMMON_ROWS,
  configFrom,
  confirmationPolicy,
  EXCLUDE_OPTION,
  EXCLUDE_ROW,
  IAM_OR_ORG_ERROR_EXIT_MEANING,
  openIam,
  openSession,
  YES_OPTION,
} from '../account.js';
import { exitCodeSection, formatHelp } from '../args.js';
import { type CliIo, defineCommand, type Output } from '../command.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { ORG_OPTIONS, ORG_ROWS, type OrgSettings, organizationAccounts, orgSettings } from '../org/org.js';
import {
  fixOrganization,
  isScan,
  orgMissingRows,
  orgResultRows,
  orgScanReport,
  orgScanRows,
  scanOrganization,
  writeOrgRoles,
  writeOrgScan,
  writeOrgScanHeader,
} from '../org/scan-org.js';
import { type ReportIdentity, reportIdentity, writeJson } from '../output.js';
import { type DeployedRecordAccess, openDeployedRecord, type RecordClientConfig } from '../ownership/deployed.js';
import { recordFields, writeRecord } from '../ownership/report.js';
import { fixCounts, fixMissing, fixQuestion, plural, resultRow } from '../scan/fix.js';
import { fixRoute, handedOverRoles, handOver, handOverField, handOverRows, recordsItself } from '../scan/hand-over.js';
import {
  SUMMARY_OPTION,
  SUMMARY_ROW,
  scanDocument,
  scanRows,
  scanWithProgress,
  summaryLine,
  writeHeader,
  writeSettings,
  writeTable,
} from '../scan/report.js';
import {
  type AccountSettings,
  CREATOR_LOOKUP_OPTION,
  CREATOR_LOOKUP_ROW,
  describeSettings,
  openAccountSettings,
  settingsView,
} from '../scan/settings.js';
import { createStyle, type Style, shouldColor } from '../style.js';

/** `--org` and its companions, and `--all-accounts`: fix also where the service is not installed. */
const FIX_ORG_OPTIONS = { ...ORG_OPTIONS, 'all-accounts': { type: 'boolean', default: false } } as const;

const HELP = formatHelp(
  'auto-instance-profile fix [options]',
  'Runs the scan, then creates the missing instance profiles (or links our empty ones), as the service ' +
    "would: with the deployed stack's settings (excluded paths, ignored callers, unknown creator), else the " +
    'defaults, and with who created each role (CloudTrail), so that roles of ignored callers (CloudFormation) get no ' +
    'profile and roles too new for the event history are left to their own event. Conflicts are reported, never ' +
    "touched. Where the service is deployed, it reads the stack's ownership record (only a recorded empty profile is " +
    "linked) and records what it makes through the stack's operator role. Where it cannot record (the stack has no " +
    'operator role, or no record), it makes nothing the service could not prove: it hands the missing roles over to the service, ' +
    'starting its reconcile pass now (lambda:InvokeFunction on the function the stack tags as its reconcile), which ' +
    'decides each role with its own settings and records what it makes. Asks first on a terminal. With --org, in ' +
    "every account where the service is installed (its stack, or the StackSet's, is there), after one question for " +
    'all: there it always hands over (the member role cannot write the record); --all-accounts also covers the ' +
    'others, where fix makes the profiles itself, with the defaults; an account that cannot be reached is left untouched.',
  [
    {
      title: 'Options',
      rows: [
        ['-y, --yes', 'do not ask; required when not on a terminal'],
        [
          '--json',
          'print the scan document (record, unrecorded included), with summary.created filled in and handedOver ' +
            '(function, roles) where handed over (with --org, the scan --org document, with summary.handedOver)',
        ],
        SUMMARY_ROW,
        EXCLUDE_ROW,
        CREATOR_LOOKUP_ROW,
        ...ORG_ROWS,
        ['--all-accounts', 'with --org: also the accounts where the service is not installed (with the defaults)'],
        ...COMMON_ROWS,
      ],
    },
    exitCodeSection({
      ok:
        'every EC2 role has its profile now or was handed over to the service (its reconcile started), no conflicts ' +
        '(with --org: in every account, all reached)',
      failed: 'some roles are left without a profile, or conflicts remain (with --org: or an account was unreachable)',
      usage: 'usage error: an unknown command or option, or a bad value; also no --yes when not on a terminal',
      aws: IAM_OR_ORG_ERROR_EXIT_MEANING,
      interrupted: 'interrupted (Ctrl-C): stops after the role at hand',
    }),
  ],
);

/** The fix command. */
export const fixCommand = defineCommand({
  name: 'fix',
  summary: 'create the instance profiles the scan finds missing (asks first; --yes); --org in every account',
  help: HELP,
  options: {
    ...ACCOUNT_OPTIONS,
    ...SUMMARY_OPTION,
    ...EXCLUDE_OPTION,
    ...CREATOR_LOOKUP_OPTION,
    ...YES_OPTION,
    ...FIX_ORG_OPTIONS,
  },
  async run({ values }, io) {
    const config = configFrom(values['exclude-path'], io.env);
    const org = orgSettings(values);
    if (org === undefined && values['all-accounts']) throw new UsageError('--all-accounts goes with --org');
    const policy = confirmationPolicy(values.yes, io, 'fix');
    if (org !== undefined) return fixOrg(values, io, config, org, policy);
    const { identity, iam, session } = await openIam('fix', values, io, config);
    const style = createStyle(shouldColor(io.stdout, io.env));
    const text = values.json ? undefined : io.stdout;
    try {
      const settings = await openAccountSettings(session.clientConfig, values, config);
      const record = openDeployedRecord(session.clientConfig, settings.deployed);
      try {
        return await fixAccount(
          { iam, clientConfig: session.clientConfig },
          settings,
          record,
          identity,
          { text, style, summary: values.summary },
          policy,
          io,
        );
      } finally {
        record.destroy();
        settings.destroy();
      }
    } finally {
      iam.destroy();
    }
  },
});

/**
 * `fix` in the session's own account, with its settings: scan, ask, then fix, or hand the missing roles over to the
 * service where it is installed and `fix` cannot record (cli/scan/hand-over.ts); report.
 */
async function fixAccount(
  clients: { readonly iam: IAMClient; readonly clientConfig: RecordClientConfig },
  settings: AccountSettings,
  record: DeployedRecordAccess,
  identity: ReportIdentity,
  output: { readonly text: Output | undefined; readonly style: Style; readonly summary: boolean },
  policy: 'yes' | 'ask',
  io: CliIo,
): Promise<number> {
  const { text, style, summary } = output;
  const { iam } = clients;
  const { config } = settings;
  const route = fixRoute(settings.deployed, recordsItself(settings.deployed));
  const view = settingsView(settings);
  const report = await scanWithProgress(iam, settings, io, record.read);
  const fields = recordFields(record.source, report);
  if (text !== undefined) {
    writeHeader(text, style, identity);
    writeSettings(text, style, describeSettings(view, settings.excludePathGiven));
    writeRecord(text, style, fields);
    if (!summary) writeTable(text, style, scanRows(report));
  }
  const question =
    route.kind === 'direct'
      ? fixQuestion(report.missing)
      : fixQuestion([], '', { roles: report.missing.length, where: '' });
  const proceed = report.missing.length > 0 && (policy === 'yes' || (await ask(io, question)));
  const results =
    proceed && route.kind === 'direct'
      ? await fixMissing(report, { iam, config, ownership: record.store }, io.signal)
      : [];
  const handed =
    proceed && route.kind === 'hand-over' ? await handOver(report, route, clients.clientConfig) : undefined;
  const handedOver = handedOverRoles(handed);
  const { created, undone } = fixCounts(report, results, handedOver);
  if (text === undefined) {
    writeJson(io.stdout, {
      ...scanDocument(identity, report, view, created, summary),
      ...fields,
      ...handOverField(handed),
    });
  } else {
    const rows = handed === undefined ? results.map(resultRow) : handOverRows(report, handed);
    if (rows.length > 0 && !summary) {
      text.write('\n');
      writeTable(text, style, rows);
    }
    text.write(`${summaryLine(report)}\n`);
    const handing = handed === undefined ? '' : `, handed over ${handedOver} to the service`;
    text.write(
      proceed
        ? `Fixed ${created} of ${report.missing.length} missing${handing}; undone ${undone}, conflicts ${report.conflicts.length}.\n`
        : report.missing.length > 0
          ? 'Nothing changed.\n'
          : 'Nothing to create.\n',
    );
  }
  if (io.signal?.aborted === true) return EXIT.interrupted;
  return undone === 0 && report.conflicts.length === 0 ? EXIT.ok : EXIT.failed;
}

/**
 * `fix --org`: scan every account, list what it will create (account, role), ask once, fix account by account; the
 * unreachable ones stay untouched.
 */
async function fixOrg(
  values: {
    readonly profile?: string | undefined;
    readonly region?: string | undefined;
    readonly json: boolean;
    readonly summary: boolean;
    readonly 'exclude-path'?: readonly string[] | undefined;
    readonly 'no-creator-lookup': boolean;
    readonly 'all-accounts': boolean;
  },
  io: CliIo,
  config: Config,
  org: OrgSettings,
  policy: 'yes' | 'ask',
): Promise<number> {
  const session = await openSession(values, io);
  const identity = reportIdentity('fix', session);
  const style = createStyle(shouldColor(io.stdout, io.env));
  const accounts = await organizationAccounts(session, org.selection);
  const scanned = await scanOrganization(
    'fix --org: scan',
    session,
    accounts,
    org,
    {
      cli: config,
      excludePaths: values['exclude-path'] === undefined ? undefined : config.excludedPathPrefixes,
      creatorLookup: !values['no-creator-lookup'],
      installedOnly: !values['all-accounts'],
    },
    io,
  );
  const text = values.json ? undefined : io.stdout;
  const rows = orgScanRows(scanned);
  if (text !== undefined) {
    writeOrgScanHeader(text, style, identity);
    if (!values.summary) writeOrgRoles(text, style, rows);
  }
  const scans = scanned.flatMap((outcome) =>
    outcome.status === 'scanned' && isScan(outcome.result) ? [outcome.result] : [],
  );
  const missing = scans.flatMap((scan) => scan.report.missing);
  const withMissing = scans.filter((scan) => scan.report.missing.length > 0).length;
  // Where the service is installed, its reconcile pass makes the profiles (cli/scan/hand-over.ts); elsewhere, fix.
  const direct = scans.filter((scan) => scan.route.kind === 'direct' && scan.report.missing.length > 0);
  const handing = scans.filter((scan) => scan.route.kind === 'hand-over' && scan.report.missing.length > 0);
  const handOverPlan = {
    roles: handing.reduce((total, scan) => total + scan.report.missing.length, 0),
    where: ` in ${plural(handing.length, 'account')}`,
  };
  const asking = missing.length > 0 && policy === 'ask' && io.signal?.aborted !== true;
  // On a terminal the list is the report's table above; with --json, stdout is the document's, so it goes with the question.
  if (asking && text === undefined && !values.summary) {
    writeOrgRoles(io.stderr, createStyle(shouldColor(io.stderr, io.env)), orgMissingRows(rows));
  }
  const proceed =
    missing.length > 0 &&
    io.signal?.aborted !== true &&
    (policy === 'yes' ||
      (await ask(
        io,
        fixQuestion(
          direct.flatMap((scan) => scan.report.missing),
          ` in ${plural(direct.length, 'account')}`,
          handOverPlan,
        ),
      )));
  const outcomes = proceed ? await fixOrganization(scanned, org.concurrency, io.signal) : scanned;
  const interrupted = io.signal?.aborted === true;
  const { document, uncovered } = orgScanReport(identity, outcomes, {
    fix: true,
    countsOnly: values.summary,
    interrupted,
  });
  const undone = outcomes.reduce(
    (total, outcome) =>
      total +
      (outcome.status === 'scanned' && isScan(outcome.result)
        ? fixCounts(
            outcome.result.report,
            outcome.result.fixed?.results ?? [],
            handedOverRoles(outcome.result.handedOver),
          ).undone
        : 0),
    0,
  );
  if (text === undefined) writeJson(io.stdout, document);
  else {
    if (proceed && !values.summary) writeOrgRoles(text, style, orgResultRows(outcomes));
    const { created = 0, conflicts, handedOver = 0 } = document.summary;
    const handed = handing.length === 0 ? '' : `, handed over ${handedOver} to the service`;
    writeOrgScan(
      text,
      style,
      document,
      { uncovered, interrupted },
      proceed
        ? `Fixed ${created} of ${missing.length} missing in ${plural(withMissing, 'account')}${handed}; undone ${undone}, conflicts ${conflicts}.`
        : missing.length > 0
          ? 'Nothing changed.'
          : 'Nothing to create.',
    );
  }
  if (interrupted) return EXIT.interrupted;
  return document.complete && document.summary.conflicts === 0 && undone === 0 ? EXIT.ok : EXIT.failed;
}
