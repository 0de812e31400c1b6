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
import { orgScanDocument, scanOrganization, writeOrgScan } from '../org/scan-org.js';
import { reportIdentity, writeJson } from '../output.js';
import { openDeployedRecord, withAwsErrors } from '../ownership/deployed.js';
import { recordFields, writeRecord } from '../ownership/report.js';
import { scanDocument, scanRows, scanWithProgress, summaryLine, writeHeader, writeTable } from '../scan/report.js';
import { createStyle, shouldColor } from '../style.js';

const HELP = formatHelp(
  'auto-instance-profile scan [options]',
  'Reads every role of the account in pages and reports the EC2 roles that need an instance profile and the ' +
    'conflicts (a profile of the role’s name that is not ours, or holds another role). Changes nothing. ' +
    'With --org, does the same in every account of the organization.',
  [
    {
      title: 'Options',
      rows: [
        [
          '--json',
          'print { summary: {scanned, ec2Roles, missing, conflicts, optedOut, created}, missing, conflicts, record, unrecorded }',
        ],
        [
          '',
          'with --org: { summary: {accounts, scanned, unreachable, missing, conflicts}, accounts: [{accountId, name, status, error, summary}] }',
        ],
        EXCLUDE_ROW,
        ...ORG_ROWS,
        ...COMMON_ROWS,
      ],
    },
    exitCodeSection({
      ok: 'every EC2 role has its profile, no conflicts (with --org: in every account, and every account was scanned)',
      failed: 'roles need a profile, or conflicts were found (with --org: also an account could not be reached)',
      aws: IAM_OR_ORG_ERROR_EXIT_MEANING,
      interrupted: 'interrupted (Ctrl-C): with --org, after the accounts under way',
    }),
  ],
);

/** The scan command. */
export const scanCommand = defineCommand({
  name: 'scan',
  summary: 'report the EC2 roles that need an instance profile, and conflicts; --org in every account; changes nothing',
  help: HELP,
  options: { ...ACCOUNT_OPTIONS, ...EXCLUDE_OPTION, ...ORG_OPTIONS },
  async run({ values }, io) {
    const config = configFrom(values['exclude-path'], io.env);
    const org = orgSettings(values);
    const style = createStyle(shouldColor(io.stdout, io.env));
    if (org !== undefined) {
      const session = await openSession(values, io);
      const accounts = await organizationAccounts(session, org.selection);
      const outcomes = await scanOrganization('scan --org', session, accounts, org, config, io);
      const document = orgScanDocument(reportIdentity('scan', session), outcomes, false);
      if (values.json) writeJson(io.stdout, document);
      else writeOrgScan(io.stdout, style, document);
      const { unreachable, missing, conflicts } = document.summary;
      if (io.signal?.aborted === true) return EXIT.interrupted;
      return unreachable === 0 && missing === 0 && conflicts === 0 ? EXIT.ok : EXIT.failed;
    }
    const { identity, iam, session } = await openIam('scan', values, io, config);
    const record = await withAwsErrors('DescribeStacks', () => openDeployedRecord(session.clientConfig));
    try {
      const report = await scanWithProgress(iam, config, io, record.read);
      const fields = recordFields(record.source, report);
      if (values.json) writeJson(io.stdout, { ...scanDocument(identity, report), ...fields });
      else {
        writeHeader(io.stdout, style, identity);
        writeRecord(io.stdout, style, fields);
        writeTable(io.stdout, style, scanRows(report));
        io.stdout.write(`${summaryLine(report)}\n`);
      }
      return report.missing.length === 0 && report.conflicts.length === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      record.destroy();
      iam.destroy();
    }
  },
});
