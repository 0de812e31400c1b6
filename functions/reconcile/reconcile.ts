/**
 * The reconcile pass: scan the account (core/scan.ts), and put one message per candidate role on the
 * remediator's queue. It finds; the remediator decides again from current state and acts, with its
 * retries, DLQ, concurrency cap, logs and metrics. A candidate is every role whose decision is not
 * "nothing": a missing profile, or a conflict (reported again by the remediator, where its alarm sees it).
 * Who created each candidate is looked up (core/created-by.ts), so that `ignoredCallers` hold as for events.
 * Each page's candidates are sent as the page is read: a page that fails later loses nothing sent before it.
 * Before the scan, the ownership record's upkeep (upkeep.ts): intents confirmed or dropped, records of gone profiles
 * removed, what the service made before it kept records learnt from CloudTrail; its LookupEvents come out of the
 * pass's budget before the creator lookups'.
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../../core/config.js';
import { type CreatorFinder, DEFAULT_LOOKUP_BUDGET } from '../../core/created-by.js';
import type { OwnershipStore } from '../../core/dynamodb/ownership-table.js';
import { AutoInstanceProfileError } from '../../core/errors.js';
import { reconcileMessage } from '../../core/events.js';
import type { IamSender } from '../../core/iam/client.js';
import type { Log } from '../../core/observability.js';
import { type RoleDecision, type ScanSummary, scanAccount } from '../../core/scan.js';
import type { Gauge } from '../metrics.js';
import { type SendResult, sendAll } from './send.js';
import type { UpkeepResult } from './upkeep.js';

/** The metrics of one pass, each a value (not a count of one). */
export type ReconcileMetricName =
  | 'RolesScanned'
  | 'ProfilesMissing'
  | 'ConflictsFound'
  | 'CandidatesQueued'
  | 'CandidatesNotQueued'
  | 'ScanIamCalls'
  | 'CreatorLookups'
  | 'RecordsConfirmed'
  | 'RecordsDropped'
  | 'RecordsLearned'
  | 'UnrecordedTaggedProfiles'
  | 'RecordLookups'
  | 'RecordUpkeepFailed';

/** What a pass needs from outside. */
export interface ReconcileDeps {
  readonly iam: IamSender;
  readonly sqs: SQSClient;
  /** The remediator's queue. */
  readonly queueUrl: string;
  readonly config: Config;
  readonly log: Log;
  readonly metrics: Gauge<ReconcileMetricName>;
  /** The ownership record, which tells an empty profile of ours (adopt) from one only tagged as ours. @default - none */
  readonly records?: Pick<OwnershipStore, 'read'> | undefined;
  /**
   * Who created each candidate, for this pass's time (CloudTrail's event history), within the LookupEvents calls
   * `budget` leaves. @default - not looked up
   */
  readonly creators?: (now: Date, budget: number) => CreatorFinder;
  /** The ownership record's upkeep (upkeep.ts), run before the scan. @default - none */
  readonly upkeep?: (now: Date) => Promise<UpkeepResult>;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default randomUUID */
  readonly newScanId?: () => string;
}

/** What a pass found and sent. */
export interface ReconcileResult {
  readonly scanId: string;
  readonly summary: ScanSummary;
  /** Roles sent to the remediator. */
  readonly queued: number;
  readonly pages: { readonly roles: number; readonly profiles: number };
  readonly iamCalls: number;
  /** CloudTrail LookupEvents calls made to learn who created the candidates. */
  readonly creatorLookups: number;
  /** What the upkeep did to the ownership record; undefined without one, or when it failed. */
  readonly records?: UpkeepResult | undefined;
}

/** Some candidates could not be queued: the pass fails, so that it is retried and the Errors alarm sees it. */
export class ReconcileQueueError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReconcileQueueError';
  }
}

/** The record's upkeep failed: the pass still scans and queues, then fails, so that the Errors alarm sees it. */
export class RecordUpkeepError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordUpkeepError';
  }
}

/**
 * Upkeeps the record, scans, queues each page's candidates as it goes, logs one summary line and records the
 * pass's metrics.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileResult> {
  const now = (deps.now ?? (() => new Date()))();
  const scanId = (deps.newScanId ?? randomUUID)();
  const upkept = await upkeepOrReport(deps, now);
  const records = upkept instanceof Error ? undefined : upkept;
  const creators = deps.creators?.(now, DEFAULT_LOOKUP_BUDGET - (records?.lookups ?? 0));
  let queued = 0;
  let sqsCalls = 0;
  const notQueued: (SendResult['failed'][number] & { readonly role: string | undefined })[] = [];
  const conflicts: string[] = [];
  const send = async (candidates: readonly RoleDecision[]) => {
    const names = candidates.map((decision) => decision.roleName);
    conflicts.push(...candidates.filter((c) => c.plan.kind === 'conflict').map((c) => c.roleName));
    const sent = await sendAll(
      deps.sqs,
      deps.queueUrl,
      // Each with the creator the pass learnt: the remediator holds ignoredCallers to it as the pass did.
      candidates.map((decision, index) => ({
        id: `c${index}`,
        body: JSON.stringify(reconcileMessage(decision.roleName, scanId, now, decision.creator)),
      })),
    );
    queued += sent.sent;
    sqsCalls += sent.calls;
    notQueued.push(...sent.failed.map((failure) => ({ role: names[Number(failure.id.slice(1))], ...failure })));
  };
  const report = await scanAccount(
    {
      iam: deps.iam,
      config: deps.config,
      now: () => now,
      creators,
      onCandidates: send,
      keepCandidates: false,
      readRecord:
        deps.records === undefined ? undefined : (name) => deps.records?.read(name) ?? Promise.resolve('no-table'),
    },
    scanId,
  );
  const { summary, pages, iamCalls } = report;
  const candidates = summary.missing + summary.conflicts;
  const creatorLookups = creators?.calls ?? 0;
  const line = {
    scanId,
    scanned: summary.scanned,
    ec2Roles: summary.ec2Roles,
    candidates,
    missing: summary.missing,
    conflicts,
    optedOut: summary.optedOut,
    pending: summary.pending,
    pages,
    iamCalls,
    creatorLookups,
    sqsCalls,
    queued,
    ...(notQueued.length > 0 ? { notQueued } : {}),
    ...(records === undefined ? {} : { records: recordsLine(records) }),
  };
  if (notQueued.length > 0) deps.log.error('reconcile could not queue every candidate', line);
  else deps.log.info('reconcile finished', line);

  deps.metrics.record('RolesScanned', summary.scanned);
  deps.metrics.record('ProfilesMissing', summary.missing);
  deps.metrics.record('ConflictsFound', summary.conflicts);
  deps.metrics.record('CandidatesQueued', queued);
  deps.metrics.record('CandidatesNotQueued', notQueued.length);
  deps.metrics.record('ScanIamCalls', iamCalls);
  deps.metrics.record('CreatorLookups', creatorLookups);
  if (records !== undefined) {
    deps.metrics.record('RecordsConfirmed', records.confirmed);
    deps.metrics.record('RecordsDropped', records.dropped);
    deps.metrics.record('RecordsLearned', records.learned);
    deps.metrics.record('UnrecordedTaggedProfiles', records.unrecordedTagged);
    deps.metrics.record('RecordLookups', records.lookups);
  }
  if (notQueued.length > 0) {
    throw new ReconcileQueueError(`${notQueued.length} of ${candidates} candidates could not be queued`);
  }
  if (upkept instanceof Error) throw upkept;
  return { scanId, summary, queued, pages, iamCalls, creatorLookups, records };
}

/** How many unrecorded profiles a warning names; the rest it counts. */
const NAMED_UNRECORDED = 20;

/**
 * Runs the record's upkeep; a failure is logged and counted here, and returned, so that the scan still runs. The
 * tagged profiles no record proves get a warning of their own, with what to do.
 */
async function upkeepOrReport(deps: ReconcileDeps, now: Date): Promise<UpkeepResult | RecordUpkeepError | undefined> {
  if (deps.upkeep === undefined) return undefined;
  try {
    const result = await deps.upkeep(now);
    deps.metrics.record('RecordUpkeepFailed', 0);
    if (result.unrecordedTagged > 0) {
      deps.log.warn('instance profiles tagged as ours that no record proves', {
        unrecordedTagged: result.unrecordedTagged,
        profiles: result.unrecorded.slice(0, NAMED_UNRECORDED),
        note:
          'they are left alone (no release, clean-up or adopt); if the service made them before it kept records, ' +
          'record them with `auto-instance-profile confirm NAME…`; otherwise someone tagged them: remove the tag. ' +
          '`auto-instance-profile doctor` lists them all',
      });
    }
    return result;
  } catch (error) {
    deps.log.error('record upkeep failed', { error });
    deps.metrics.record('RecordUpkeepFailed', 1);
    return new RecordUpkeepError('the ownership record’s upkeep failed; the scan ran without it', { cause: error });
  }
}

/** The upkeep's counts in the summary line. */
function recordsLine(records: UpkeepResult) {
  return {
    read: records.records,
    confirmed: records.confirmed,
    dropped: records.dropped,
    intentsDropped: records.intentsDropped,
    learned: records.learned,
    unrecordedTagged: records.unrecordedTagged,
    lookups: records.lookups,
    historyComplete: records.historyComplete,
    changedMeanwhile: records.changedMeanwhile,
    deferred: records.deferred,
    iamCalls: records.iamCalls,
    recordCalls: records.recordCalls,
  };
}
