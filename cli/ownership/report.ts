/**
 * What `scan` and `fix` say about the ownership record: which table they read (or that there is none), and the
 * profiles tagged as ours that no record proves among those the scan read for its decisions (the same-name profiles
 * of roles in no profile): the service leaves them alone, and `fix` does not adopt them.
 */
import type { ScanReport } from '../../core/scan.js';
import type { Output } from '../command.js';
import type { Style } from '../style.js';
import type { RecordSource } from './deployed.js';

/** The `--json` fields of `scan` and `fix` about the record. */
export interface RecordFields {
  /** The table read, or why there is none. */
  readonly record: RecordSource;
  /** The profiles tagged as ours that no record proves, among those the scan read. */
  readonly unrecorded: readonly string[];
}

/** The profiles of the report's conflicts that are tagged as ours but unproven, by name. */
export function unrecordedOf(report: Pick<ScanReport, 'conflicts'>): string[] {
  return report.conflicts.flatMap(({ plan }) => (plan.reason === 'profile-unrecorded' ? [plan.profileName] : []));
}

/** The record's fields of a scan's document. */
export function recordFields(source: RecordSource, report: Pick<ScanReport, 'conflicts'>): RecordFields {
  return { record: source, unrecorded: unrecordedOf(report) };
}

/** The lines about the record, under the header: the table read, then the unrecorded profiles and what to do. */
export function writeRecord(out: Output, style: Style, fields: RecordFields): void {
  const { record, unrecorded } = fields;
  out.write(
    `  ${style.dim(
      record.from === 'table'
        ? `record: table ${record.table} of stack ${record.stack}` +
            (record.writer === undefined ? ' (no operator role: fix creates and adopts nothing)' : '')
        : `record: none (${record.why}): every profile tagged as ours is unrecorded, and fix adopts none`,
    )}\n`,
  );
  if (unrecorded.length === 0) return;
  out.write(
    `  ${style.yellow(`unrecorded: ${unrecorded.join(', ')}`)}\n` +
      `  ${style.dim(
        'tagged as ours, but no record proves them: left alone. If the service made them before it kept records: ' +
          `auto-instance-profile confirm ${unrecorded.join(' ')}; otherwise remove the tag`,
      )}\n`,
  );
}
