/**
 * Every command's AWS actions, in one table: what a caller needs to run it, for the `--org` forms what the role it
 * assumes in each member account needs, and for `fix` and `confirm` what they call through the stack's operator role.
 * Built only from the lists the modules that make the calls export (core/iam/*, core/dynamodb/*,
 * core/settings-permissions.ts, core/decision-log.ts, cli/doctor/*, cli/org/*, cli/ownership/*, cli/pause/*), so that a
 * call added there reaches the policy; the CLI's integration tests record every call each command makes against moto
 * and hold it inside this table, evaluated by an IAM policy evaluator (test/integration/support/cli.ts).
 */
import { DECISIONS_PERMISSIONS } from '../../core/decision-log.js';
import { OWNERSHIP_CONFIRM_PERMISSIONS } from '../../core/dynamodb/ownership-table.js';
import { ACCOUNT_SUMMARY_PERMISSIONS } from '../../core/iam/account-summary.js';
import { APPLY_PLAN_PERMISSIONS } from '../../core/iam/apply-plan.js';
import { HAND_OVER_PERMISSIONS } from '../../core/iam/hand-over.js';
import { LIST_ACCOUNT_PERMISSIONS } from '../../core/iam/list-account.js';
import { READ_PROFILE_PERMISSIONS, readStatePermission } from '../../core/iam/read-state.js';
import { RELEASE_PERMISSIONS } from '../../core/iam/release.js';
import { RECONCILE_FUNCTION_ONLY, RECONCILE_NOW_PERMISSIONS } from '../../core/lambda/reconcile-now.js';
import { ACCOUNT_SETTINGS_PERMISSIONS } from '../../core/settings-permissions.js';
import { DOCTOR_PERMISSIONS, OWNERSHIP_CHECK_PERMISSIONS } from '../doctor/probes.js';
import { SMOKE_PERMISSIONS } from '../doctor/smoke-role.js';
import { ORGANIZATION_READ_PERMISSIONS } from '../org/accounts.js';
import { REACH_PERMISSIONS } from '../org/fan-out.js';
import { STACK_SET_READ_PERMISSIONS } from '../org/stack-set.js';
import { CONFIRM_CALLER_PERMISSIONS } from '../ownership/confirm.js';
import { FIX_RECORD_PERMISSIONS, SCAN_RECORD_PERMISSIONS } from '../ownership/deployed.js';
import { PAUSE_PERMISSIONS, RESUME_PERMISSIONS } from '../pause/switch.js';
import { type CommandPermission, OPERATOR_RESOURCES, onTheirResources, SMOKE_RESOURCES } from './resources.js';

/**
 * What one form of a command needs: the caller's permissions, with `--org` the member role's, and for the commands
 * that write the ownership record the operator role's.
 */
export interface CommandPolicy {
  /** What the command is, in a few words, for `policy --help`. */
  readonly summary: string;
  readonly caller: readonly CommandPermission[];
  /** The role `--org` assumes in each member account; undefined for the forms without `--org`. */
  readonly member?: readonly CommandPermission[];
  /**
   * What the command calls through the stack's operator role, which it assumes to write the ownership record: the
   * stack grants the role these on its table (infra/ownership-table.ts), and the table's policy admits it. Undefined
   * for the forms that write no record.
   */
  readonly operator?: readonly CommandPermission[];
}

/**
 * The pass `scan` and `fix` make in each account, `--org` or not: the deployed stack's settings and who created each
 * candidate (CloudFormation, Lambda, CloudTrail), the account's listings, and one read per role whose same-name
 * profile must be looked at.
 */
const SCAN_PASS = [
  ...onTheirResources(ACCOUNT_SETTINGS_PERMISSIONS),
  ...LIST_ACCOUNT_PERMISSIONS,
  ...READ_PROFILE_PERMISSIONS,
];

/** `scan`: the pass, and the deployed stack's ownership record of each tagged profile it reads (with the caller's credentials). */
const SCAN = [...SCAN_PASS, ...onTheirResources(SCAN_RECORD_PERMISSIONS)];

/**
 * `fix`'s pass: the scan's, then the core remediation of each role it found (read the role and its profiles, the
 * account's instance profile quota, then create, tag and link our profile). Remediating a found role never releases.
 */
const FIX_PASS = [
  ...SCAN_PASS,
  readStatePermission('iam:GetRole'),
  readStatePermission('iam:ListInstanceProfilesForRole'),
  ...ACCOUNT_SUMMARY_PERMISSIONS,
  ...APPLY_PLAN_PERMISSIONS,
];

/**
 * Where the service is installed and `fix` cannot record (`--org`; no operator role), it hands the missing roles over:
 * it starts the stack's reconcile function, only the one the stack tags as its reconcile (cli/scan/hand-over.ts).
 */
const HAND_OVER = RECONCILE_NOW_PERMISSIONS.map(
  (action): CommandPermission => ({ action, resource: 'reconcile-function', condition: RECONCILE_FUNCTION_ONLY }),
);

/**
 * `fix`: its pass, reading the record as `scan` does, and assuming the operator role to write what it makes; or
 * handing over where it cannot.
 */
const FIX = [...FIX_PASS, ...onTheirResources(FIX_RECORD_PERMISSIONS, OPERATOR_RESOURCES), ...HAND_OVER];

/** `release ROLE`: read the profile (and the role, to check the binding), then remove our tags. */
const RELEASE = [...READ_PROFILE_PERMISSIONS, readStatePermission('iam:GetRole'), ...HAND_OVER_PERMISSIONS];

/** `release ROLE --delete`: the same reads, then take the profile apart. */
const RELEASE_DELETE = [...READ_PROFILE_PERMISSIONS, readStatePermission('iam:GetRole'), ...RELEASE_PERMISSIONS];

/** `prune`: list the profiles, read the empty ones' tags, read their same-name roles (kept while one exists), delete ours. */
const PRUNE = [
  ...LIST_ACCOUNT_PERMISSIONS.filter((permission) => permission.action === 'iam:ListInstanceProfiles'),
  ...READ_PROFILE_PERMISSIONS,
  readStatePermission('iam:GetRole'),
  ...RELEASE_PERMISSIONS.filter((permission) => permission.action === 'iam:DeleteInstanceProfile'),
];

/** `doctor` in one account: read-only, one read per fact, and the ownership check's reads. */
const DOCTOR = onTheirResources([...DOCTOR_PERMISSIONS, ...OWNERSHIP_CHECK_PERMISSIONS]);

/** `doctor --org` in each account: the same reads but the ownership check's, which it leaves out. */
const DOCTOR_ORG = onTheirResources(DOCTOR_PERMISSIONS);

/** `confirm`: the stack's outputs, each profile, and AssumeRole on the operator role, with the caller's credentials. */
const CONFIRM = onTheirResources(CONFIRM_CALLER_PERMISSIONS, OPERATOR_RESOURCES);

/**
 * `decisions` in one account: the stack's outputs (the function and its log group), the function's logging
 * configuration for a stack deployed before the log group's output, and the log group's decision lines.
 */
const DECISIONS = onTheirResources(DECISIONS_PERMISSIONS);

/** `pause`: the stack's outputs, its remediator's event source mappings, and the switch of each. */
const PAUSE = onTheirResources(PAUSE_PERMISSIONS);

/** `resume`: the same calls as `pause`. */
const RESUME = onTheirResources(RESUME_PERMISSIONS);

/** `--org`, on the caller's side: read the organization's accounts and reach each through the member role. */
const ORG_CALLER = onTheirResources([...ORGANIZATION_READ_PERMISSIONS, ...REACH_PERMISSIONS]);

/** Every command a policy can be printed for, by the words that run it. */
export const COMMAND_POLICIES = {
  scan: { summary: 'report the EC2 roles that need an instance profile', caller: SCAN },
  fix: { summary: 'create the missing instance profiles', caller: FIX, operator: OWNERSHIP_CONFIRM_PERMISSIONS },
  release: { summary: "hand a role's instance profile over (remove our tags)", caller: RELEASE },
  'release --delete': { summary: 'remove a role from our instance profile and delete it', caller: RELEASE_DELETE },
  prune: { summary: 'list and delete our empty instance profiles', caller: PRUNE },
  doctor: { summary: 'check the account and the stack (read-only)', caller: DOCTOR },
  'doctor --smoke': {
    summary: 'the checks, and a throwaway EC2 role through the pipeline',
    caller: [...DOCTOR, ...onTheirResources(SMOKE_PERMISSIONS, SMOKE_RESOURCES)],
  },
  confirm: {
    summary: 'record profiles the service made before it kept records',
    caller: CONFIRM,
    operator: OWNERSHIP_CONFIRM_PERMISSIONS,
  },
  pause: { summary: "pause the service: switch off its remediator's event source mappings", caller: PAUSE },
  resume: { summary: "resume the service: switch its remediator's event source mappings on", caller: RESUME },
  'scan --org': {
    summary: 'scan in every account of the organization',
    caller: [...ORG_CALLER, ...SCAN_PASS],
    member: SCAN_PASS,
  },
  'fix --org': {
    summary: 'fix in every account of the organization',
    caller: [...ORG_CALLER, ...FIX_PASS, ...HAND_OVER],
    member: [...FIX_PASS, ...HAND_OVER],
  },
  'doctor --org': {
    summary: "the StackSet's instances, and the doctor in every account of the organization",
    caller: [...ORG_CALLER, ...onTheirResources(STACK_SET_READ_PERMISSIONS), ...DOCTOR_ORG],
    member: DOCTOR_ORG,
  },
  decisions: { summary: 'what the service decided, or in dry run would have, from its log', caller: DECISIONS },
  'decisions --org': {
    summary: 'decisions in every account of the organization where the service is installed',
    caller: [...ORG_CALLER, ...DECISIONS],
    member: DECISIONS,
  },
  'pause --org': {
    summary: 'pause in every account of the organization where the service is installed',
    caller: [...ORG_CALLER, ...PAUSE],
    member: PAUSE,
  },
  'resume --org': {
    summary: 'resume in every account of the organization where the service is installed',
    caller: [...ORG_CALLER, ...RESUME],
    member: RESUME,
  },
} as const satisfies Readonly<Record<string, CommandPolicy>>;

/** A command form `policy` knows: `scan`, `release --delete`, `doctor --org` … */
export type PolicyCommand = keyof typeof COMMAND_POLICIES;
