/**
 * `auto-instance-profile policy COMMAND`: prints the least-privilege IAM policy a caller needs to run COMMAND, from
 * the same lists the code calls with (cli/policy/commands.ts). Reads nothing from AWS.
 */

import { DEFAULT_MEMBER_ROLE } from '../../core/member-role.js';
import { IAM_EVENT_REGION } from '../../core/pipeline-settings.js';
import { isUnknownRegion, partitionOf } from '../../core/regions.js';
import { exitCodeSection, formatHelp, HELP_OPTION, HELP_ROW, likelyName, nonBlank } from '../args.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../output.js';
import { COMMAND_POLICIES, type CommandPolicy, type PolicyCommand } from '../policy/commands.js';
import { policyDocument } from '../policy/document.js';
import { ANY_ACCOUNT, type PolicyScope } from '../policy/resources.js';

/** The region of the stack unless `--region` says otherwise: the aws partition's IAM event region. */
const DEFAULT_REGION = IAM_EVENT_REGION.aws ?? 'us-east-1';

/** The commands a policy is printed for, without their options: `scan`, `release` … */
const BASE_COMMANDS = [...new Set(Object.keys(COMMAND_POLICIES).map((form) => form.split(' ')[0] ?? form))];

/** The options that select a form of a command, as `policy` takes them. */
const FORM_FLAGS = ['delete', 'smoke', 'org'] as const;

const HELP = formatHelp(
  'auto-instance-profile policy COMMAND [--delete | --smoke | --org [--member]] [--operator] [options]',
  'Prints the least-privilege IAM policy (JSON) a caller needs to run COMMAND: every AWS action the command calls, ' +
    'on the resources it calls it on, with the conditions the service itself is held to. Reads nothing from AWS. ' +
    'With --org, the policy of the caller (the management account or the delegated administrator); with --member, ' +
    'the policy of the role it assumes in each member account. With --operator (fix, confirm), what the command ' +
    "calls through the stack's operator role, which the stack grants it on its ownership table. STS " +
    'GetCallerIdentity, which every command calls first, needs no permission.',
  [
    {
      title: 'Commands',
      rows: Object.entries(COMMAND_POLICIES).map(([form, { summary }]) => [form, summary] as const),
    },
    {
      title: 'Options',
      rows: [
        ['--delete, --smoke, --org', 'the form of COMMAND: release --delete, doctor --smoke, scan --org …'],
        ['--member', 'with --org: the member role’s policy instead of the caller’s'],
        [
          '--operator',
          'with fix or confirm: what it calls through the stack’s operator role instead (the stack grants it)',
        ],
        [
          '--account ID',
          'the account the ARNs name (default: *, any: IAM acts only in the caller’s own account, and another account’s queues, rules and trails need their own resource policy too)',
        ],
        [
          '--region REGION',
          `the stack's region, which also gives the partition (default: ${DEFAULT_REGION}; cn-north-1 for aws-cn)`,
        ],
        ['--role-name NAME', `with --org: the role assumed in member accounts (default: ${DEFAULT_MEMBER_ROLE})`],
        HELP_ROW,
      ],
    },
    // It reads nothing from AWS, so it never fails a check nor misses AWS.
    exitCodeSection({
      ok: 'the policy was printed',
      failed: undefined,
      usage: 'usage error: an unknown COMMAND or option, or an option COMMAND does not take',
      aws: undefined,
    }),
  ],
);

/** The policy command. */
export const policyCommand = defineCommand({
  name: 'policy',
  summary: 'print the least-privilege IAM policy a command needs (JSON); --org --member for the member role',
  help: HELP,
  options: {
    ...HELP_OPTION,
    delete: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    org: { type: 'boolean', default: false },
    member: { type: 'boolean', default: false },
    operator: { type: 'boolean', default: false },
    account: { type: 'string' },
    region: { type: 'string' },
    'role-name': { type: 'string' },
  },
  positionals: 1,
  async run({ values, positionals }, io) {
    const [command] = positionals;
    if (command === undefined) throw new UsageError(`needs a command: policy ${BASE_COMMANDS.join(' | ')}`);
    const form = commandForm(command, values);
    if (values.member && !values.org) throw new UsageError('--member goes with --org');
    const roleName = nonBlank('role-name', values['role-name']);
    if (roleName !== undefined && !values.org) throw new UsageError('--role-name goes with --org');
    const policy: CommandPolicy = COMMAND_POLICIES[form];
    if (values.operator && policy.operator === undefined) {
      const writers = Object.entries(COMMAND_POLICIES as Readonly<Record<string, CommandPolicy>>)
        .filter(([, known]) => known.operator !== undefined)
        .map(([known]) => known);
      throw new UsageError(
        `"${form}" writes nothing through the operator role: --operator goes with ${writers.join(', ')}`,
      );
    }
    const permissions = values.operator
      ? (policy.operator ?? [])
      : values.member
        ? (policy.member ?? [])
        : policy.caller;
    writeJson(io.stdout, policyDocument(permissions, policyScope(values, roleName)));
    return EXIT.ok;
  },
});

/** The form the command line names (`release --delete`), or a usage error that says what was meant. */
function commandForm(command: string, flags: Readonly<Record<(typeof FORM_FLAGS)[number], boolean>>): PolicyCommand {
  if (!BASE_COMMANDS.includes(command)) {
    const meant = likelyName(command, BASE_COMMANDS);
    throw new UsageError(
      `unknown command "${command}"${meant === undefined ? '' : ` (did you mean ${meant}?)`}; one of ${BASE_COMMANDS.join(', ')}`,
    );
  }
  const given = FORM_FLAGS.filter((flag) => flags[flag]);
  const form = [command, ...given.map((flag) => `--${flag}`)].join(' ');
  if (!(form in COMMAND_POLICIES)) {
    const forms = Object.keys(COMMAND_POLICIES).filter((known) => known.split(' ')[0] === command);
    throw new UsageError(`there is no "${form}": ${command} has ${forms.map((known) => `"${known}"`).join(', ')}`);
  }
  return form as PolicyCommand;
}

/** The partition, account and region the policy is written for. */
function policyScope(
  values: { readonly account?: string | undefined; readonly region?: string | undefined },
  roleName: string | undefined,
): PolicyScope {
  const account = nonBlank('account', values.account);
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new UsageError(`--account must be a 12-digit account id, not "${account}"`);
  }
  const region = nonBlank('region', values.region) ?? DEFAULT_REGION;
  if (isUnknownRegion(region)) throw new UsageError(`--region ${region} is not a region of ${partitionOf(region)}`);
  return {
    partition: partitionOf(region),
    account: account ?? ANY_ACCOUNT,
    region,
    memberRoleName: roleName ?? DEFAULT_MEMBER_ROLE,
  };
}
