/**
 * The remediator's decision lines, as its log group holds them: what makes a line one (the decisions it logs, in
 * core/remediate.ts `report` and functions/remediator/process.ts), the CloudWatch Logs filter pattern that finds
 * them, and how one is read back. The CLI's `decisions` reads them (cli/decisions/); the organization's member role
 * (core/member-role.ts) is granted what that takes, so the list of actions lives here, where the stack that makes
 * the role (infra/org-access-role.ts) may read it. Pure.
 */
import type { WritePlan } from './decide.js';
import type { FinalPlan } from './remediate.js';

/**
 * Every `decision` a line of the remediator's may carry: a plan's kind (core/remediate.ts, one line per decision),
 * then the adapter's (functions/remediator/process.ts): an event that asked for no work (`ignored`), a record it
 * could not prove or an invocation it refused (`refused`), an event it could not read (`reject`), a remediation that
 * failed (`error`).
 */
export const DECISIONS = [
  'create',
  'adopt',
  'release',
  'cleanup',
  'conflict',
  'retry',
  'nothing',
  'ignored',
  'refused',
  'reject',
  'error',
] as const satisfies readonly (FinalPlan['kind'] | 'ignored' | 'refused' | 'reject' | 'error')[];

/** One of {@link DECISIONS}. */
export type Decision = (typeof DECISIONS)[number];

// Every plan kind is a decision line's: a new kind of plan that is not listed fails to compile here.
const EVERY_PLAN_LISTED: Exclude<FinalPlan['kind'], Decision> extends never ? true : never = true;
void EVERY_PLAN_LISTED;

/** The decisions that change IAM when carried out; in a dry run their lines say what would have changed. */
export const WRITE_DECISIONS = [
  'create',
  'adopt',
  'release',
  'cleanup',
] as const satisfies readonly WritePlan['kind'][];

/** One of {@link WRITE_DECISIONS}. */
export type WriteDecision = (typeof WRITE_DECISIONS)[number];

/** Whether a decision changes IAM when carried out. */
export function isWriteDecision(decision: Decision): decision is WriteDecision {
  return (WRITE_DECISIONS as readonly string[]).includes(decision);
}

/**
 * The filter pattern (CloudWatch Logs' JSON syntax) that finds the decision lines in the function's log group:
 * a `decision` of {@link DECISIONS}, at a level other than DEBUG (the remediator's debug line `re-deciding`
 * names the decision it is about to take again, and is no decision). {@link parseDecisionLine} holds every line
 * to the same rule, so that a service that filters less (an emulator) gives the same report.
 */
export const DECISION_FILTER_PATTERN = `{ (${DECISIONS.map((decision) => `$.decision = "${decision}"`).join(
  ' || ',
)}) && $.level != "DEBUG" }`;

/** A decision line, read back. */
export interface DecisionLine {
  /** When it was logged: the log event's time. */
  readonly time: Date;
  readonly decision: Decision;
  /** Powertools' level: `INFO`, `WARN`, `ERROR`. */
  readonly level: string;
  readonly message: string;
  /** The role it is about; absent for a record or an event that named none. */
  readonly role?: string;
  readonly reason?: string;
  /** The profile it is about; for a release, every profile released, comma-separated. */
  readonly profile?: string;
  readonly note?: string;
  /** True when the service ran in dry run: a write decision's line then says what it would have done. */
  readonly dryRun: boolean;
  /** What the run changed in IAM, in order (never in a dry run). */
  readonly changes: readonly string[];
  /** What set it off: `role-created`, `reconcile` … */
  readonly trigger?: string;
  readonly eventId?: string;
}

/**
 * A log event's message as a {@link DecisionLine}, or undefined when it is none: not a JSON object (from its
 * first `{`, so that a runtime's prefix does not matter), no decision of {@link DECISIONS}, or a DEBUG line.
 */
export function parseDecisionLine(message: string, timestamp: number): DecisionLine | undefined {
  const start = message.indexOf('{');
  if (start === -1) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.slice(start));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const line = parsed as Record<string, unknown>;
  const decision = DECISIONS.find((known) => known === line.decision);
  const level = typeof line.level === 'string' ? line.level.toUpperCase() : '';
  if (decision === undefined || level === 'DEBUG') return undefined;
  const text = (key: string) => (typeof line[key] === 'string' && line[key] !== '' ? (line[key] as string) : undefined);
  const role = text('role');
  const reason = text('reason');
  const profile = text('profile');
  const note = text('note');
  const trigger = text('trigger');
  const eventId = text('eventId');
  return {
    time: new Date(timestamp),
    decision,
    level,
    message: text('message') ?? '',
    ...(role === undefined ? {} : { role }),
    ...(reason === undefined ? {} : { reason }),
    ...(profile === undefined ? {} : { profile }),
    ...(note === undefined ? {} : { note }),
    dryRun: line.dryRun === true,
    changes: Array.isArray(line.changes) ? line.changes.filter((change) => typeof change === 'string') : [],
    ...(trigger === undefined ? {} : { trigger }),
    ...(eventId === undefined ? {} : { eventId }),
  };
}

/**
 * The actions with which the CLI's `decisions` reads an account's decisions: the stack (its outputs name the
 * function and its log group), the function's logging configuration (for a stack without the log group's output),
 * and the log group itself. cli/decisions/read.ts makes the calls.
 */
export const DECISIONS_PERMISSIONS = [
  'cloudformation:DescribeStacks',
  'lambda:GetFunctionConfiguration',
  'logs:FilterLogEvents',
] as const;
