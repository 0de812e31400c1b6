/** `auto-instance-profile scan`: which roles need a profile, and which conflict. Reports; changes nothing. */
import {
  ACCOUNT_OPTIONS,
  COMMON_ROWS,
  configFrom,
  EXCLUDE_OPTION,
  EXCLUDE_ROW,
  IAM_OR_ORG_ERROR_EXIT_MEANING,
  openIam,
  openSession,
} from '../account.js';
import { exitCodeSection, formatHelp } from '../args.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { ORG_OPTIONS, ORG_ROWS, organizationAccounts, orgSettings } from '../org/org.js';
import {
  orgScanReport,
  orgScanRows,
  scanOrganization,
  writeOrgRoles,
  writeOrgScan,
  writeOrgScanHeader,
} from '../org/scan-org.js';
import { reportIdentity, writeJson } from '../output.js';
import { openDeployedRecord } from '../ownership/deployed.js';
import { recordFields, writeRecord } from '../ownership/report.js';
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
  CREATOR_LOOKUP_OPTION,
  CREATOR_LOOKUP_ROW,
  describeSettings,
  openAccountSettings,
  settingsView,
} from '../scan/settings.js';
import { createStyle, shouldColor } from '../style.js';

const HELP = formatHelp(
  'auto-instance-profile scan [options]',
  'Reads every role of the account in pages and reports the EC2 roles that need an instance profile and the ' +
    'conflicts (a profile of the role’s name that is not ours, or holds another role). Changes nothing. It decides ' +
    "as the deployed service would: with the stack's settings, and with who created each candidate (CloudTrail), so " +
    'that roles of ignored callers are not missing and roles too new for the event history are pending. ' +
    'With --org, does the same in every account of the organization, each with its own settings.',
  [
    {
      title: 'Options',
      rows: [
        [
          '--json',
          'print { summary: {scanned, ec2Roles, missing, conflicts, optedOut, notSelected, pending, created}, missing, conflicts, pending, notSelected, settings, record, unrecorded }',
        ],
        [
          '',
          'with --org: { summary: {accounts, scanned, unreachable, notStarted, missing, conflicts}, complete, accounts: [{accountId, name, status, error, summary, missing, conflicts, pending, notSelected, settings, record, unrecorded}] }',
        ],
        SUMMARY_ROW,
        EXCLUDE_ROW,
        CREATOR_LOOKUP_ROW,
        ...ORG_ROWS,
        ...COMMON_ROWS,
      ],
    },
    exitCodeSection({
      ok: 'every EC2 role has its profile, no conflicts (with --org: in every account, and every account was scanned)',
      failed: 'roles need a profile, or conflicts were found (with --org: also an account could not be reached)',
      aws: IAM_OR_ORG_ERROR_EXIT_MEANING,
      interrupted:
        'interrupted (Ctrl-C): with --org, after the accounts under way (the report says it is not complete)',
    }),
  ],
);

/** The scan command. */
export const scanCommand = defineCommand({
  name: 'scan',
  summary: 'report the EC2 roles that need an instance profile, and conflicts; --org in every account; changes nothing',
  help: HELP,
  options: { ...ACCOUNT_OPTIONS, ...SUMMARY_OPTION, ...EXCLUDE_OPTION, ...CREATOR_LOOKUP_OPTION, ...ORG_OPTIONS },
  async run({ values }, io) {
    const config = configFrom(values['exclude-path'], io.env);
    const org = orgSettings(values);
    const style = createStyle(shouldColor(io.stdout, io.env));
    if (org !== undefined) {
      const session = await openSession(values, io);
      const accounts = await organizationAccounts(session, org.selection);
      const outcomes = await scanOrganization(
        'scan --org',
        session,
        accounts,
        org,
        {
          cli: config,
          excludePaths: values['exclude-path'] === undefined ? undefined : config.excludedPathPrefixes,
          creatorLookup: !values['no-creator-lookup'],
          installedOnly: false,
        },
        io,
      );
      const interrupted = io.signal?.aborted === true;
      const identity = reportIdentity('scan', session);
      const { document, uncovered } = orgScanReport(identity, outcomes, {
        fix: false,
        countsOnly: values.summary,
        interrupted,
      });
      if (values.json) writeJson(io.stdout, document);
      else {
        writeOrgScanHeader(io.stdout, style, identity);
        if (!values.summary) writeOrgRoles(io.stdout, style, orgScanRows(outcomes));
        writeOrgScan(io.stdout, style, document, { uncovered, interrupted });
      }
      const { missing, conflicts } = document.summary;
      if (interrupted) return EXIT.interrupted;
      return document.complete && missing === 0 && conflicts === 0 ? EXIT.ok : EXIT.failed;
    }
    const { identity, iam, session } = await openIam('scan', values, io, config);
    try {
      const settings = await openAccountSettings(session.clientConfig, values, config);
      const record = openDeployedRecord(session.clientConfig, settings.deployed);
      try {
        const report = await scanWithProgress(iam, settings, io, record.read);
        const view = settingsView(settings);
        const fields = recordFields(record.source, report);
        if (values.json)
          writeJson(io.stdout, { ...scanDocument(identity, report, view, 0, values.summary), ...fields });
        else {
          writeHeader(io.stdout, style, identity);
          writeSettings(io.stdout, style, describeSettings(view, settings.excludePathGiven));
          writeRecord(io.stdout, style, fields);
          if (!values.summary) writeTable(io.stdout, style, scanRows(report));
          io.stdout.write(`${summaryLine(report)}\n`);
        }
        return report.missing.length === 0 && report.conflicts.length === 0 ? EXIT.ok : EXIT.failed;
      } finally {
        record.destroy();
        settings.destroy();
      }
    } finally {
      iam.destroy();
    }
  },
});
