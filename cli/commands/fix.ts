/**
 * `auto-instance-profile fix`: the scan, then the missing profiles made with the core remediation
 * (decided again from current state, starting from the scan's facts). Acts directly: a person is waiting.
 * With `--org`, the same in every account of the organization, after one question for all.
 */

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
import { type CliIo, defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { ORG_OPTIONS, ORG_ROWS, type OrgSettings, organizationAccounts, orgSettings } from '../org/org.js';
import { fixOrganization, orgScanDocument, scanOrganization, writeOrgScan } from '../org/scan-org.js';
import { reportIdentity, writeJson } from '../output.js';
import { openDeployedRecord, withAwsErrors } from '../ownership/deployed.js';
import { recordFields, writeRecord } from '../ownership/report.js';
import { fixCounts, fixMissing, fixQuestion, plural, resultRow } from '../scan/fix.js';
import { scanDocument, scanRows, scanWithProgress, summaryLine, writeHeader, writeTable } from '../scan/report.js';
import { createStyle, shouldColor } from '../style.js';

const HELP = formatHelp(
  'auto-instance-profile fix [options]',
  'Runs the scan, then creates the missing instance profiles (or links our empty ones), as the service ' +
    "would. Conflicts are reported, never touched. Where the service is deployed, it reads the stack's " +
    "ownership record (only a recorded empty profile is linked) and records what it makes through the stack's " +
    'operator role; without one it makes nothing the service could not prove. Asks first on a terminal. ' +
    'With --org, in every account of the organization, after one question for all; an account that cannot ' +
    'be reached is left untouched.',
  [
    {
      title: 'Options',
      rows: [
        ['-y, --yes', 'do not ask; required when not on a terminal'],
        [
          '--json',
          'print the scan document (record, unrecorded included), with summary.created filled in (with --org, the scan --org document)',
        ],
        EXCLUDE_ROW,
        ...ORG_ROWS,
        ...COMMON_ROWS,
      ],
    },
    exitCodeSection({
      ok: 'every EC2 role has its profile now, no conflicts (with --org: in every account, all reached)',
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
  options: { ...ACCOUNT_OPTIONS, ...EXCLUDE_OPTION, ...YES_OPTION, ...ORG_OPTIONS },
  async run({ values }, io) {
    const config = configFrom(values['exclude-path'], io.env);
    const org = orgSettings(values);
    const policy = confirmationPolicy(values.yes, io, 'fix');
    if (org !== undefined) return fixOrg(values, io, config, org, policy);
    const { identity, iam, session } = await openIam('fix', values, io, config);
    const style = createStyle(shouldColor(io.stdout, io.env));
    const text = values.json ? undefined : io.stdout;
    const record = await withAwsErrors('DescribeStacks', () => openDeployedRecord(session.clientConfig));
    try {
      const report = await scanWithProgress(iam, config, io, record.read);
      const fields = recordFields(record.source, report);
      if (text !== undefined) {
        writeHeader(text, style, identity);
        writeRecord(text, style, fields);
        writeTable(text, style, scanRows(report));
      }
      const proceed = report.missing.length > 0 && (policy === 'yes' || (await ask(io, fixQuestion(report.missing))));
      const results = proceed ? await fixMissing(report, { iam, config, ownership: record.store }, io.signal) : [];
      const { created, undone } = fixCounts(report, results);
      if (text === undefined) writeJson(io.stdout, { ...scanDocument(identity, report, created), ...fields });
      else {
        if (results.length > 0) text.write('\n');
        writeTable(text, style, results.map(resultRow));
        text.write(`${summaryLine(report)}\n`);
        text.write(
          proceed
            ? `Fixed ${created} of ${report.missing.length} missing; undone ${undone}, conflicts ${report.conflicts.length}.\n`
            : report.missing.length > 0
              ? 'Nothing changed.\n'
              : 'Nothing to create.\n',
        );
      }
      if (io.signal?.aborted === true) return EXIT.interrupted;
      return undone === 0 && report.conflicts.length === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      record.destroy();
      iam.destroy();
    }
  },
});

/** `fix --org`: scan every account, ask once, fix account by account; the unreachable ones stay untouched. */
async function fixOrg(
  values: { readonly profile?: string | undefined; readonly region?: string | undefined; readonly json: boolean },
  io: CliIo,
  config: Config,
  org: OrgSettings,
  policy: 'yes' | 'ask',
): Promise<number> {
  const session = await openSession(values, io);
  const accounts = await organizationAccounts(session, org.selection);
  const scanned = await scanOrganization('fix --org: scan', session, accounts, org, config, io);
  const missing = scanned.flatMap((outcome) => (outcome.status === 'scanned' ? outcome.result.report.missing : []));
  const withMissing = scanned.filter(
    (outcome) => outcome.status === 'scanned' && outcome.result.report.missing.length > 0,
  ).length;
  const proceed =
    missing.length > 0 &&
    (policy === 'yes' || (await ask(io, fixQuestion(missing, ` in ${plural(withMissing, 'account')}`))));
  const outcomes = proceed ? await fixOrganization(scanned, config, org.concurrency, io.signal) : scanned;
  const document = orgScanDocument(reportIdentity('fix', session), outcomes, true);
  if (values.json) writeJson(io.stdout, document);
  else writeOrgScan(io.stdout, createStyle(shouldColor(io.stdout, io.env)), document);
  if (io.signal?.aborted === true) return EXIT.interrupted;
  const undone = outcomes.some(
    (outcome) =>
      outcome.status === 'scanned' && fixCounts(outcome.result.report, outcome.result.fixed?.results ?? []).undone > 0,
  );
  const { unreachable, conflicts } = document.summary;
  return unreachable === 0 && conflicts === 0 && !undone ? EXIT.ok : EXIT.failed;
}
