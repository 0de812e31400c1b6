/**
 * The reconcile pass: scan the account (core/scan.ts), and put one message per candidate role on the
 * remediator's queue. It finds; the remediator decides again from current state and acts, with its
 * retries, DLQ, concurrency cap, logs and metrics. A candidate is every role whose decision is not
 * "nothing": a missing profile, or a conflict (reported again by the remediator, where its alarm sees it).
 * Who created each candidate is looked up (core/created-by.ts), so that `ignoredCallers` hold as for events.
 * Each page's candidates are sent as the page is read: a page that fails later loses nothing sent before it.
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../../core/config.js';
import type { CreatorFinder } from '../../core/created-by.js';
import type { OwnershipStore } from '../../core/dynamodb/ownership-table.js';
import { AutoInstanceProfileError } from '../../core/errors.js';
import { reconcileMessage } from '../../core/events.js';
import type { IamSender } from '../../core/iam/client.js';
import type { Log } from '../../core/observability.js';
import { type RoleDecision, type ScanSummary, scanAccount } from '../../core/scan.js';
import type { Gauge } from '../metrics.js';
import { type SendResult, sendAll } from './send.js';

/** The metrics of one pass, each a value (not a count of one). */
export type ReconcileMetricName =
  | 'RolesScanned'
  | 'ProfilesMissing'
  | 'ConflictsFound'
  | 'CandidatesQueued'
  | 'CandidatesNotQueued'
  | 'ScanIamCalls'
  | 'CreatorLookups';

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
  /** Who created each candidate, for this pass's time (CloudTrail's event history). @default - not looked up */
  readonly creators?: (now: Date) => CreatorFinder;
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
}

/** Some candidates could not be queued: the pass fails, so that it is retried and the Errors alarm sees it. */
export class ReconcileQueueError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReconcileQueueError';
  }
}

/** Scans, queues each page's candidates as it goes, logs one summary line and records the pass's metrics. */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileResult> {
  const now = (deps.now ?? (() => new Date()))();
  const scanId = (deps.newScanId ?? randomUUID)();
  const creators = deps.creators?.(now);
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
  if (notQueued.length > 0) {
    throw new ReconcileQueueError(`${notQueued.length} of ${candidates} candidates could not be queued`);
  }
  return { scanId, summary, queued, pages, iamCalls, creatorLookups };
}
