/**
 * What `decisions` reports from the decision lines it read: counts by decision and reason, and the roles of each
 * decision. A write decision (create, adopt, release, clean-up) is split by how the service ran: carried out
 * (`created` …), or in a dry run, what it would have done (`would create` …). The lines are tallied as they are
 * read, so that memory grows with the roles, not the lines. Pure, but for the text writer.
 */
import { DECISIONS, type Decision, type DecisionLine, isWriteDecision } from '../../core/decision-log.js';
import { iamNameKey } from '../../core/names.js';
import type { Output } from '../command.js';
import { plural } from '../scan/fix.js';
import type { Style } from '../style.js';

/** The lines of one decision: a write decision's either carried out or dry-run, any other's all together. */
export interface DecisionGroup {
  readonly decision: Decision;
  /** Write decisions only: true for what a dry run would have done, false for what was done. */
  readonly dryRun?: boolean;
  /** How the report words it: `created`, `would create`, `conflict`, `nothing` … */
  readonly action: string;
  /** Decision lines. */
  readonly lines: number;
  /** The roles the lines are about, each once (IAM names are case-insensitive), sorted. */
  readonly roles: readonly string[];
  /** Lines per reason, most first; lines without a reason are not listed. */
  readonly reasons: readonly { readonly reason: string; readonly lines: number }[];
  /** The first and the last line's time. */
  readonly first: string;
  readonly last: string;
}

/** The counts of a report. */
export interface DecisionSummary {
  /** Decision lines read. */
  readonly lines: number;
  /** Roles they are about, each once. */
  readonly roles: number;
  /** Lines logged in dry run. */
  readonly dryRunLines: number;
  /** Roles a dry run would have changed: the roles of the dry-run write decisions. */
  readonly wouldChange: number;
  /** Roles whose write decision was carried out. */
  readonly changed: number;
  /** Roles that met a conflict: a same-name profile the service must not touch. */
  readonly conflicts: number;
  /** Lines at level ERROR: a remediation that failed, a record refused, an event rejected, the quota full. */
  readonly errors: number;
}

/** What a window's decision lines amount to. */
export interface DecisionReport {
  readonly summary: DecisionSummary;
  /** Write decisions in a dry run first, then as {@link DECISIONS} orders them. */
  readonly decisions: readonly DecisionGroup[];
}

/** How a report words a decision, done and in a dry run. */
const ACTIONS: Readonly<Record<Decision, readonly [done: string, dryRun: string]>> = {
  create: ['created', 'would create'],
  adopt: ['adopted', 'would adopt'],
  release: ['released', 'would release'],
  cleanup: ['deleted leftover', 'would delete leftover'],
  conflict: ['conflict', 'conflict'],
  retry: ['retry', 'retry'],
  nothing: ['nothing', 'nothing'],
  ignored: ['ignored', 'ignored'],
  refused: ['refused', 'refused'],
  reject: ['rejected', 'rejected'],
  error: ['error', 'error'],
};

/** One group as it is counted. */
interface Counting {
  readonly decision: Decision;
  readonly dryRun: boolean | undefined;
  lines: number;
  readonly roles: Map<string, string>;
  readonly reasons: Map<string, number>;
  first: Date;
  last: Date;
}

/** Counts decision lines one at a time into a {@link DecisionReport}. */
export class DecisionTally {
  private readonly groups = new Map<string, Counting>();
  private readonly roles = new Set<string>();
  private lines = 0;
  private dryRunLines = 0;
  private errors = 0;

  /** Counts one line. */
  add(line: DecisionLine): void {
    this.lines++;
    if (line.dryRun) this.dryRunLines++;
    if (line.level === 'ERROR') this.errors++;
    const dryRun = isWriteDecision(line.decision) ? line.dryRun : undefined;
    const key = `${line.decision}${dryRun === undefined ? '' : `:${dryRun}`}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = {
        decision: line.decision,
        dryRun,
        lines: 0,
        roles: new Map(),
        reasons: new Map(),
        first: line.time,
        last: line.time,
      };
      this.groups.set(key, group);
    }
    group.lines++;
    if (line.time < group.first) group.first = line.time;
    if (line.time > group.last) group.last = line.time;
    if (line.role !== undefined) {
      const name = iamNameKey(line.role);
      if (!group.roles.has(name)) group.roles.set(name, line.role);
      this.roles.add(name);
    }
    if (line.reason !== undefined) group.reasons.set(line.reason, (group.reasons.get(line.reason) ?? 0) + 1);
  }

  /** The report of the lines counted so far. */
  report(): DecisionReport {
    const decisions = [...this.groups.values()].sort(byReportOrder).map(toGroup);
    const rolesOf = (keep: (group: DecisionGroup) => boolean) =>
      new Set(decisions.filter(keep).flatMap((group) => group.roles.map(iamNameKey))).size;
    return {
      summary: {
        lines: this.lines,
        roles: this.roles.size,
        dryRunLines: this.dryRunLines,
        wouldChange: rolesOf((group) => group.dryRun === true),
        changed: rolesOf((group) => group.dryRun === false),
        conflicts: rolesOf((group) => group.decision === 'conflict'),
        errors: this.errors,
      },
      decisions,
    };
  }
}

/** The report of a list of lines: {@link DecisionTally} at once. */
export function reportOf(lines: Iterable<DecisionLine>): DecisionReport {
  const tally = new DecisionTally();
  for (const line of lines) tally.add(line);
  return tally.report();
}

/** The order of a report's groups: dry-run write decisions first (what the service would do), then {@link DECISIONS}' order. */
export function byReportOrder(
  a: { readonly decision: Decision; readonly dryRun?: boolean | undefined },
  b: { readonly decision: Decision; readonly dryRun?: boolean | undefined },
): number {
  const rank = (group: typeof a) =>
    (group.dryRun === true ? 0 : 1) * DECISIONS.length + DECISIONS.indexOf(group.decision);
  return rank(a) - rank(b);
}

/** Roles sorted as the report lists them: by name, case aside. */
export function sortRoles(roles: readonly string[]): string[] {
  return [...roles].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
}

/** Reasons with their counts, most first, then by name. */
export function sortReasons(reasons: ReadonlyMap<string, number>): { reason: string; lines: number }[] {
  return [...reasons]
    .map(([reason, lines]) => ({ reason, lines }))
    .sort((a, b) => b.lines - a.lines || a.reason.localeCompare(b.reason));
}

/** How the report words a decision: `created`, `would create`, `conflict` … */
export function actionOf(decision: Decision, dryRun: boolean | undefined): string {
  const [done, wouldDo] = ACTIONS[decision];
  return dryRun === true ? wouldDo : done;
}

function toGroup(group: Counting): DecisionGroup {
  return {
    decision: group.decision,
    ...(group.dryRun === undefined ? {} : { dryRun: group.dryRun }),
    action: actionOf(group.decision, group.dryRun),
    lines: group.lines,
    roles: sortRoles([...group.roles.values()]),
    reasons: sortReasons(group.reasons),
    first: group.first.toISOString(),
    last: group.last.toISOString(),
  };
}

/** Whether a report calls for a person: a conflict, or an error. Exit code 1. */
export function needsAttention(summary: Pick<DecisionSummary, 'conflicts' | 'errors'>): boolean {
  return summary.conflicts > 0 || summary.errors > 0;
}

/** Roles a text row names before it says how many more there are. */
export const ROLES_SHOWN = 10;

/**
 * A group's row for the text report: its action, its count and what it is about. Roles for the decisions about a
 * role's profile (the writes, conflicts, errors), with the reason where one says more; reasons with their counts for
 * the others (nothing, retry, ignored …), which are many and alike.
 */
export function groupRow(group: DecisionGroup): readonly [string, string, string] {
  const byRole = isWriteDecision(group.decision) || group.decision === 'conflict' || group.decision === 'error';
  if (byRole && group.roles.length > 0) {
    const shown = group.roles.slice(0, ROLES_SHOWN).join(', ');
    const more = group.roles.length > ROLES_SHOWN ? ` … and ${group.roles.length - ROLES_SHOWN} more` : '';
    const why = group.decision === 'conflict' ? ` (${reasonCounts(group)})` : '';
    return [group.action, plural(group.roles.length, 'role'), `${shown}${more}${why}`];
  }
  return [group.action, plural(group.lines, 'line'), reasonCounts(group)];
}

/** `no-ec2-trust 5, already-in-profile 3`. */
export function reasonCounts(group: Pick<DecisionGroup, 'reasons'>): string {
  return group.reasons.map(({ reason, lines }) => `${reason} ${lines}`).join(', ');
}

/** Writes rows as aligned columns, each indented by two spaces. */
export function writeRows(out: Output, style: Style, rows: readonly (readonly string[])[]): void {
  const widths = rows.reduce<number[]>(
    (max, row) => row.map((cell, column) => Math.max(max[column] ?? 0, cell.length)),
    [],
  );
  for (const row of rows) {
    const cells = row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0, ' ')));
    const [action = '', ...rest] = cells;
    out.write(`  ${[style.bold(action), ...rest].join('  ')}`.trimEnd().concat('\n'));
  }
}

/** The one-line summary: `14 decisions about 9 roles: would change 4 roles, changed 2, conflicts 1, errors 0.` */
export function summaryLine(summary: DecisionSummary): string {
  const { lines, roles, wouldChange, changed, conflicts, errors } = summary;
  return (
    `${plural(lines, 'decision')} about ${plural(roles, 'role')}: would change ${plural(wouldChange, 'role')} ` +
    `(dry run), changed ${changed}, conflicts ${conflicts}, errors ${errors}.`
  );
}
