/**
 * `auto-instance-profile decisions`: what the service decided, or in dry run would have decided, over a time window,
 * from its own log: the remediator's decision lines, counted by decision and reason, with the roles of each. Reads;
 * changes nothing. With --org, in every account of the organization where the service is installed.
 */
import { CloudWatchLogsServiceException } from '@aws-sdk/client-cloudwatch-logs';
import { ACCOUNT_OPTIONS, COMMON_ROWS, openSession } from '../account.js';
import { exitCodeSection, formatHelp } from '../args.js';
import { defineCommand } from '../command.js';
import { decisionsDocument, isInstalled, readAccountDecisions, writeDecisions } from '../decisions/account.js';
import { MAX_CALLS, MAX_LINES } from '../decisions/read.js';
import { needsAttention } from '../decisions/report.js';
import { DEFAULT_SINCE, parseWindow, TIME_FORMS } from '../decisions/window.js';
import { asServiceError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import {
  decisionsAcrossOrganization,
  orgDecisionsDocument,
  orgNeedsAttention,
  writeOrgDecisions,
} from '../org/decisions-org.js';
import { ORG_OPTIONS, ORG_ROWS, organizationAccounts, orgSettings } from '../org/org.js';
import { reportIdentity, writeJson } from '../output.js';
import { asSettingsError } from '../scan/settings.js';
import { createStyle, shouldColor } from '../style.js';

const HELP = formatHelp(
  'auto-instance-profile decisions [options]',
  'What the service decided over a time window, or in dry run would have decided, from its own log: the ' +
    "remediator's decision lines in its log group (found from the stack, in the partition's IAM event region), " +
    'counted by decision and reason, with the roles of each. A write decision of a dry run reads "would create", ' +
    '"would adopt", "would release", "would delete leftover"; one carried out "created", "adopted" … Changes nothing. ' +
    `At most ${MAX_LINES} decision lines and ${MAX_CALLS} FilterLogEvents calls per account: a longer window is ` +
    'reported up to where reading stopped, and says so. ' +
    'With --org, does the same in every account of the organization where the service is installed. The IAM policy ' +
    'it needs: auto-instance-profile policy decisions (--org; --org --member for the member role).',
  [
    {
      title: 'Options',
      rows: [
        [
          '--since WHEN',
          `the window's start: ${TIME_FORMS}; times without an offset are UTC (default: ${DEFAULT_SINCE})`,
        ],
        ['--until WHEN', "the window's end, in the same forms (default: now)"],
        [
          '--json',
          'print { since, until, source: {stack, region, functionName, logGroup, logGroupExists, filterPattern}, read: {calls, lines, truncated}, summary: {lines, roles, dryRunLines, wouldChange, changed, conflicts, errors}, decisions: [{decision, dryRun, action, lines, roles, reasons: [{reason, lines}], first, last}] }',
        ],
        [
          '',
          'with --org: { since, until, summary: {accounts, read, notInstalled, unreachable, notStarted, lines, …}, decisions (roles as account:role, and accounts), complete, accounts: [{accountId, name, status, error, source, read, summary, decisions}] }',
        ],
        ...ORG_ROWS,
        ...COMMON_ROWS,
      ],
    },
    exitCodeSection({
      ok: 'the window was read: no conflict and no error in it (with --org: in every account where the service is installed, and every account was reached)',
      failed:
        'a conflict or an error (a remediation that failed, a record refused, an event rejected, the quota full) in the window, or the service is not installed (no stack); with --org, also an account could not be reached or read',
      aws: 'no credentials, an unknown profile, no region, AWS could not be reached, or an error of CloudFormation, Lambda or CloudWatch Logs (An error occurred (AccessDeniedException) calling CloudWatch Logs: …), one line; with --org, an Organizations error',
      interrupted: 'interrupted (Ctrl-C): with --org, after the accounts under way',
    }),
  ],
);

/** The decisions command. */
export const decisionsCommand = defineCommand({
  name: 'decisions',
  summary:
    'what the service decided, or in dry run would have, over a time window, from its log; --org in every account',
  help: HELP,
  options: {
    ...ACCOUNT_OPTIONS,
    since: { type: 'string' },
    until: { type: 'string' },
    ...ORG_OPTIONS,
  },
  async run({ values }, io) {
    const window = parseWindow(values.since, values.until, new Date());
    const org = orgSettings(values);
    const style = createStyle(shouldColor(io.stdout, io.env));
    const session = await openSession(values, io);
    const identity = reportIdentity('decisions', session);
    if (org !== undefined) {
      const accounts = await organizationAccounts(session, org.selection);
      const outcomes = await decisionsAcrossOrganization(session, accounts, org, { window, signal: io.signal }, io);
      const interrupted = io.signal?.aborted === true;
      const document = orgDecisionsDocument(identity, window, outcomes, interrupted);
      if (values.json) writeJson(io.stdout, document);
      else writeOrgDecisions(io.stdout, style, document, interrupted);
      if (interrupted) return EXIT.interrupted;
      return orgNeedsAttention(document) ? EXIT.failed : EXIT.ok;
    }
    let result: Awaited<ReturnType<typeof readAccountDecisions>>;
    try {
      result = await readAccountDecisions(session.clientConfig, { window, signal: io.signal });
    } catch (error) {
      const worded = asSettingsError(error);
      throw worded !== error ? worded : asServiceError(error, 'CloudWatch Logs', CloudWatchLogsServiceException);
    }
    if (!isInstalled(result)) {
      io.stderr.write(`auto-instance-profile decisions: no decisions to read: ${result.notInstalled}\n`);
      return EXIT.failed;
    }
    const document = decisionsDocument(identity, window, result);
    if (values.json) writeJson(io.stdout, document);
    else writeDecisions(io.stdout, style, document);
    return needsAttention(document.summary) ? EXIT.failed : EXIT.ok;
  },
});
