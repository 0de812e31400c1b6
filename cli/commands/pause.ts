/**
 * `auto-instance-profile pause` and `resume`: the service's off switch, without a redeploy and without losing an
 * event. `pause` switches off the remediator's event source mappings (Lambda's pollers of its settle and delete
 * queues): nothing reaches the function, nothing changes in IAM, and the events wait in the queues. `resume` switches
 * them on, and every event that waited is decided then, on IAM's state then. Both ask first on a terminal (`--yes` in
 * scripts); with `--org`, in every account of the organization where the service is installed, after one question.
 */
import { QUEUE_RETENTION_DAYS, STACK_NAME } from '../../core/pipeline-settings.js';
import { ACCOUNT_OPTIONS, ask, COMMON_ROWS, confirmationPolicy, openSession, YES_OPTION } from '../account.js';
import { exitCodeSection, formatHelp, nonBlank } from '../args.js';
import { type CliIo, type Command, defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { AccountOutcome } from '../org/fan-out.js';
import { ORG_OPTIONS, ORG_ROWS, type OrgSettings, organizationAccounts, orgSettings } from '../org/org.js';
import {
  type AccountSwitch,
  organizationSwitched,
  orgSwitchDocument,
  pendingSwitches,
  readOrganization,
  switchOrganization,
  writeOrgSwitch,
} from '../org/pause-org.js';
import { progressLine, type ReportIdentity, reportIdentity, writeJson } from '../output.js';
import { COMMAND_OF, ON_RESUME, switchQuestion, switchSummary, WHILE_PAUSED, writeSwitch } from '../pause/report.js';
import { planSwitch, type SwitchTarget } from '../pause/state.js';
import {
  asSwitchError,
  carryOut,
  lambdaClient,
  locateService,
  notCarriedOut,
  type SwitchResult,
} from '../pause/switch.js';
import { plural } from '../scan/fix.js';
import { createStyle, shouldColor } from '../style.js';

const OPTIONS = {
  ...ACCOUNT_OPTIONS,
  ...YES_OPTION,
  'stack-name': { type: 'string' },
  ...ORG_OPTIONS,
} as const;

/** The help of `pause` or `resume`. */
function help(target: SwitchTarget): string {
  const command = COMMAND_OF[target];
  const description =
    target === 'off'
      ? "Pauses the service without a redeploy: switches off its remediator's event source mappings (Lambda's " +
        `pollers of its settle and delete queues). While paused, ${WHILE_PAUSED}. ` +
        'resume switches them on again. doctor reports the pause as its own state: since when, how many events wait, ' +
        'the oldest. Asks first on a terminal. With --org, in every account of the organization where the service is ' +
        "installed (its stack, or the StackSet's), after one question for all; an account that cannot be reached is " +
        'left as it is.'
      : "Resumes a paused service: switches its remediator's event source mappings on again. Then " +
        `${ON_RESUME}. Asks first on a terminal. With --org, in every account of the organization where the service ` +
        'is installed, after one question for all.';
  return formatHelp(`auto-instance-profile ${command} [options]`, description, [
    {
      title: 'Options',
      rows: [
        ['-y, --yes', 'do not ask; required when not on a terminal'],
        [
          '--json',
          'print { stack, function, outcome: done | unchanged | declined | not-installed | incomplete, state: running | paused | half-paused | broken, pausedSince, reason, mappings: [{queue, queueName, uuid, before, after, error}] } (with --org: { action, summary, accounts })',
        ],
        ['--stack-name NAME', `the service's stack (default: ${STACK_NAME}, else its StackSet's stack)`],
        ...ORG_ROWS,
        ...COMMON_ROWS,
      ],
    },
    {
      title: 'Notes',
      rows: [
        [
          'permissions',
          `auto-instance-profile policy ${command} (--org, --org --member) prints the IAM policy it needs`,
        ],
        [
          'retention',
          `the queues keep each event ${QUEUE_RETENTION_DAYS} days from when it was sent (a stack of an earlier version: 4); doctor says the oldest`,
        ],
      ],
    },
    exitCodeSection({
      ok:
        target === 'off'
          ? 'paused (or already paused): no mapping polls (with --org: in every account where the service is installed, all reached)'
          : 'running (or already running): a mapping polls each queue (with --org: in every account where the service is installed, all reached)',
      failed: `not ${target === 'off' ? 'paused' : 'running'}: no stack of the service here, a mapping could not be switched (or is missing), or you answered no (with --org: or an account was unreachable)`,
      usage: 'usage error: an unknown command or option, or a bad value; also no --yes when not on a terminal',
      aws: 'no credentials, an unknown profile, no region, AWS could not be reached, or CloudFormation or Lambda refused a call (AccessDenied …), one line; with --org, an Organizations error',
      interrupted: 'interrupted (Ctrl-C): stops waiting; what was switched stays switched',
    }),
  ]);
}

/** `pause` or `resume`. */
function switchCommand(target: SwitchTarget): Command {
  const command = COMMAND_OF[target];
  return defineCommand({
    name: command,
    summary:
      target === 'off'
        ? 'pause the service: events wait in its queues, nothing changes in IAM (asks first; --yes); --org'
        : 'resume the service: the events that waited are decided now (asks first; --yes); --org',
    help: help(target),
    options: OPTIONS,
    async run({ values }, io) {
      const stackName = nonBlank('stack-name', values['stack-name']);
      const org = orgSettings(values);
      const policy = confirmationPolicy(values.yes, io, command, "the service's event source mappings");
      if (org !== undefined) return switchOrg(target, values, io, org, stackName, policy);
      const session = await openSession(values, io);
      const identity = reportIdentity(command, session);
      const located = await locateService(session.clientConfig, stackName).catch((error: unknown) => {
        throw asSwitchError(error);
      });
      let result: SwitchResult | undefined;
      if (located.found) {
        const plan = planSwitch(located.view, target);
        const agreed =
          plan.toSwitch.length === 0 ||
          policy === 'yes' ||
          (await ask(io, switchQuestion(session.account, located.target.functionName, plan)));
        if (!agreed || plan.toSwitch.length === 0) {
          result = notCarriedOut(located.view, plan, !agreed);
        } else {
          const lambda = lambdaClient(session.clientConfig, located.target.region);
          const progress = progressLine(io.stderr);
          try {
            result = await carryOut(lambda, located.target, plan, {
              signal: io.signal,
              onWait: (unsettled, seconds) =>
                progress.update(
                  `${command}: waiting for Lambda to settle ${plural(unsettled, 'event source mapping')} … ${seconds} s`,
                ),
            });
          } catch (error) {
            throw asSwitchError(error);
          } finally {
            progress.done();
            lambda.destroy();
          }
        }
      }
      return report(target, identity, located, result, values.json, io);
    },
  });
}

/** Prints one account's report; its exit code. */
function report(
  target: SwitchTarget,
  identity: ReportIdentity,
  located: Parameters<typeof switchSummary>[0],
  result: SwitchResult | undefined,
  json: boolean,
  io: CliIo,
): number {
  const summary = switchSummary(located, result);
  if (json) writeJson(io.stdout, { ...identity, ...summary });
  else writeSwitch(io.stdout, createStyle(shouldColor(io.stdout, io.env)), identity, target, summary, result);
  if (summary.outcome === 'not-installed') {
    io.stderr.write(`auto-instance-profile ${COMMAND_OF[target]}: ${summary.reason}\n`);
  }
  if (io.signal?.aborted === true) return EXIT.interrupted;
  return summary.outcome === 'done' || summary.outcome === 'unchanged' ? EXIT.ok : EXIT.failed;
}

/** `pause --org` or `resume --org`: read every account, ask once, switch account by account, report. */
async function switchOrg(
  target: SwitchTarget,
  values: { readonly profile?: string | undefined; readonly region?: string | undefined; readonly json: boolean },
  io: CliIo,
  org: OrgSettings,
  stackName: string | undefined,
  policy: 'yes' | 'ask',
): Promise<number> {
  const session = await openSession(values, io);
  const accounts = await organizationAccounts(session, org.selection);
  const read = await readOrganization(target, session, accounts, org, stackName, io);
  const pending = pendingSwitches(read);
  const agreed =
    pending.mappings === 0 ||
    policy === 'yes' ||
    (await ask(io, orgQuestion(target, pending.accounts, pending.mappings)));
  const outcomes: AccountOutcome<AccountSwitch>[] = await switchOrganization(read, org.concurrency, !agreed, io.signal);
  const document = orgSwitchDocument(reportIdentity(COMMAND_OF[target], session), target, outcomes);
  if (values.json) writeJson(io.stdout, document);
  else writeOrgSwitch(io.stdout, createStyle(shouldColor(io.stdout, io.env)), document);
  if (io.signal?.aborted === true) return EXIT.interrupted;
  return organizationSwitched(document) ? EXIT.ok : EXIT.failed;
}

function orgQuestion(target: SwitchTarget, accounts: number, mappings: number): string {
  return target === 'off'
    ? `Pause auto-instance-profile in ${plural(accounts, 'account')}: switch off ${plural(mappings, 'event source mapping')}, so that events wait in their queues until resume?`
    : `Resume auto-instance-profile in ${plural(accounts, 'account')}: switch on ${plural(mappings, 'event source mapping')}, so that every event that waited is decided now?`;
}

/** The pause command. */
export const pauseCommand = switchCommand('off');

/** The resume command. */
export const resumeCommand = switchCommand('on');
