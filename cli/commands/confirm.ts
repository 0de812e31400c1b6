/**
 * `auto-instance-profile confirm PROFILE [PROFILE…]`: a person's word, recorded, that the service made these
 * profiles: for those it made before it kept records, beyond CloudTrail's 90 days (doctor names them). Reads each
 * profile with the caller's credentials, and writes the record through the stack's operator role, the one
 * principal besides the service's functions the table lets write. Asks first, as `fix` does.
 */
import type { RecordWriteResult } from '../../core/dynamodb/ownership-table.js';
import { readProfile } from '../../core/iam/read-state.js';
import { STACK_NAME } from '../../core/pipeline-settings.js';
import {
  ACCOUNT_OPTIONS,
  ask,
  COMMON_ROWS,
  confirmationPolicy,
  IAM_ERROR_EXIT_MEANING,
  openIam,
  withIamErrors,
  YES_OPTION,
} from '../account.js';
import { exitCodeSection, formatHelp, nonBlank } from '../args.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../output.js';
import { type ConfirmPlan, planConfirm } from '../ownership/confirm.js';
import {
  assumeRole,
  type DeployedRecord,
  findDeployedRecord,
  openRecordTable,
  withAwsErrors,
} from '../ownership/deployed.js';
import { plural } from '../scan/fix.js';
import { type ScanRow, writeHeader, writeTable } from '../scan/report.js';
import { createStyle, shouldColor } from '../style.js';

/** The most profiles one `confirm` takes. */
export const MAX_CONFIRM_PROFILES = 100;

const HELP = formatHelp(
  'auto-instance-profile confirm PROFILE [PROFILE…] [options]',
  'Records that the service made these instance profiles, for those it made before it kept records and that ' +
    "CloudTrail's 90 days cannot prove (doctor names them). Takes only a profile tagged " +
    'auto-instance-profile:managed=true that holds no role or only its same-name role, and binds it to that role; ' +
    "refuses anything else and says why. Writes through the stack's operator role (OperatorRoleArn: deploy with " +
    'operatorPrincipals naming you). Asks first on a terminal. The IAM policy it needs: auto-instance-profile policy ' +
    'confirm; what it calls through the role: auto-instance-profile policy confirm --operator.',
  [
    {
      title: 'Options',
      rows: [
        ['-y, --yes', 'do not ask; required when not on a terminal'],
        [
          '--json',
          'print { stack, table, operatorRole, profiles: [{profile, action: recorded | already-recorded | refused | changed | declined, detail}] }',
        ],
        ['--role-arn ARN', "the role to write the record through (default: the stack's OperatorRoleArn output)"],
        ['--stack-name NAME', `the service's stack (default: ${STACK_NAME}, else its StackSet's stack)`],
        ...COMMON_ROWS,
      ],
    },
    exitCodeSection({
      ok: 'every profile is recorded as the service’s (now, or already)',
      failed:
        'a profile was refused (not ours to take), or not recorded; or the stack, its table or its operator role is missing',
      usage: 'usage error: no profile, a bad name, an unknown option; also no --yes when not on a terminal',
      aws: `${IAM_ERROR_EXIT_MEANING}; also AssumeRole or DynamoDB refused`,
    }),
  ],
);

/** What became of one profile. */
type Action = 'recorded' | 'already-recorded' | 'refused' | 'changed' | 'declined';

/** The confirm command. */
export const confirmCommand = defineCommand({
  name: 'confirm',
  summary: 'record profiles the service made before it kept records (asks first; --yes); through the operator role',
  help: HELP,
  options: {
    ...ACCOUNT_OPTIONS,
    ...YES_OPTION,
    'role-arn': { type: 'string' },
    'stack-name': { type: 'string' },
  },
  positionals: MAX_CONFIRM_PROFILES,
  async run({ values, positionals }, io) {
    if (positionals.length === 0) throw new UsageError('needs the names of instance profiles: confirm PROFILE…');
    const bad = positionals.find((name) => !isProfileName(name));
    if (bad !== undefined) throw new UsageError(`"${bad}" is not a valid instance profile name`);
    const names = [...new Map(positionals.map((name) => [name.toLowerCase(), name])).values()];
    const roleArn = nonBlank('role-arn', values['role-arn']);
    if (roleArn !== undefined && !/^arn:[a-z-]+:iam::\d{12}:role\//.test(roleArn)) {
      throw new UsageError(`--role-arn must be a role ARN, not "${roleArn}"`);
    }
    const stackName = nonBlank('stack-name', values['stack-name']);
    const policy = confirmationPolicy(values.yes, io, 'confirm', "the service's record");
    const { session, identity, iam } = await openIam('confirm', values, io);
    const style = createStyle(shouldColor(io.stdout, io.env));
    try {
      const deployed = await withAwsErrors('DescribeStacks', () => findDeployedRecord(session.clientConfig, stackName));
      const missing = whatIsMissing(deployed, roleArn, stackName, session.region);
      if (missing !== undefined || deployed?.tableName === undefined) {
        io.stderr.write(`auto-instance-profile confirm: ${missing ?? 'the stack has no ownership table'}\n`);
        return EXIT.failed;
      }
      const writer = roleArn ?? deployed.operatorRoleArn ?? '';
      const profiles = await withIamErrors(() => Promise.all(names.map((name) => readProfile(iam, name))));
      const credentials = await withAwsErrors('AssumeRole', () => assumeRole(session.clientConfig, writer, 'confirm'));
      const { table, destroy } = openRecordTable(
        { ...deployed, tableName: deployed.tableName },
        { ...session.clientConfig, credentials },
      );
      try {
        const now = new Date();
        const plans = await withAwsErrors('GetItem', () =>
          Promise.all(
            names.map(async (name, index) =>
              planConfirm(name, profiles[index] ?? 'absent', await table.read(name), session.caller, now),
            ),
          ),
        );
        const toRecord = plans.filter((plan) => plan.kind === 'record');
        const proceed =
          toRecord.length > 0 &&
          (policy === 'yes' ||
            (await ask(
              io,
              `Record ${plural(toRecord.length, 'instance profile')} (${toRecord.map((plan) => plan.profileName).join(', ')}) as made by the service?`,
            )));
        const results = await withAwsErrors('UpdateItem', () =>
          Promise.all(
            plans.map(async (plan) => ({
              plan,
              action: await carryOut(plan, proceed, (p) => table.bind(p.profileName, p.owned, p.version)),
            })),
          ),
        );
        if (values.json) {
          writeJson(io.stdout, {
            ...identity,
            stack: deployed.stack,
            table: deployed.tableName,
            operatorRole: writer,
            profiles: results.map(({ plan, action }) => ({
              profile: plan.profileName,
              action,
              detail: detailOf(plan, action),
              ...(plan.kind === 'record' ? { roleId: plan.owned.roleId } : {}),
            })),
          });
        } else {
          writeHeader(io.stdout, style, identity);
          io.stdout.write(`  record: table ${deployed.tableName} of stack ${deployed.stack}, through ${writer}\n`);
          writeTable(
            io.stdout,
            style,
            results.map(({ plan, action }): ScanRow => [plan.profileName, statusOf(action), detailOf(plan, action)]),
            'PROFILE',
          );
        }
        const good = results.every(({ action }) => action === 'recorded' || action === 'already-recorded');
        return good ? EXIT.ok : EXIT.failed;
      } finally {
        destroy();
      }
    } finally {
      iam.destroy();
    }
  },
});

/** Why the record cannot be written, or undefined when the stack, its table and a role to write through are there. */
function whatIsMissing(
  deployed: DeployedRecord | undefined,
  roleArn: string | undefined,
  stackName: string | undefined,
  region: string,
): string | undefined {
  if (deployed === undefined) {
    return `no ${stackName ?? `${STACK_NAME} stack (nor an organization's StackSet stack)`} in ${region}: there is no record to write`;
  }
  if (deployed.tableName === undefined) {
    return `stack ${deployed.stack} has no OwnershipTableName output: deploy this version first`;
  }
  if (roleArn === undefined && deployed.operatorRoleArn === undefined) {
    return (
      `stack ${deployed.stack} has no operator role (OperatorRoleArn): deploy it with operatorPrincipals naming you ` +
      '(npm run deploy -- -c operatorPrincipals=arn:aws:iam::ACCOUNT:role/NAME), or give --role-arn'
    );
  }
  return undefined;
}

/** Writes a plan's record (when agreed to) and says what became of it. */
async function carryOut(
  plan: ConfirmPlan,
  proceed: boolean,
  bind: (plan: Extract<ConfirmPlan, { kind: 'record' }>) => Promise<RecordWriteResult>,
): Promise<Action> {
  switch (plan.kind) {
    case 'refuse':
      return 'refused';
    case 'recorded':
      return 'already-recorded';
    case 'record':
      if (!proceed) return 'declined';
      return (await bind(plan)) === 'done' ? 'recorded' : 'changed';
  }
}

function detailOf(plan: ConfirmPlan, action: Action): string {
  switch (action) {
    case 'refused':
      return plan.kind === 'refuse' ? plan.reason : '';
    case 'already-recorded':
      return plan.kind === 'recorded' ? plan.note : '';
    case 'declined':
      return 'not recorded: you said no';
    case 'changed':
      return 'not recorded: the record changed meanwhile (the service wrote it); run confirm again';
    case 'recorded':
      return plan.kind === 'record'
        ? `recorded as the service's, bound to ${plan.owned.roleId === '' ? 'no role (a role of its name adopts it)' : `role id ${plan.owned.roleId}`}`
        : '';
  }
}

/** The table's status column: `fixed` is green, `failed` red, anything else yellow. */
function statusOf(action: Action): string {
  return action === 'recorded' || action === 'already-recorded' ? 'ok' : action === 'refused' ? 'failed' : action;
}

/** IAM's instance profile name rule: 1 to 128 of letters, digits and `+=,.@_-`. */
export function isProfileName(name: string): boolean {
  return /^[\w+=,.@-]{1,128}$/.test(name);
}
