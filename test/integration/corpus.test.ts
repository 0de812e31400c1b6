/**
 * The corpus of CloudTrail record shapes (test/fixtures/cloudtrail/corpus/) through the built bundle
 * (dist/remediator/index.mjs) against moto, in SQS batches as the queue delivers them: no shape is
 * returned for the DLQ, each gets exactly one decision line, and each CreateRole or trust change of an EC2
 * role, whatever its caller, version or partition, gets its profile (CloudFormation's excepted, which the
 * default ignoredCallers leaves alone), and each DeleteRole that failed on our profile, in either error-code
 * form, releases it.
 */
import { describe, expect, it } from 'vitest';
import { cloudTrailTime } from '../../emulator/cloudtrail-event.js';
import { type CorpusEntry, loadCorpus, recordRoleName } from '../support/cloudtrail-corpus.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { type BatchResponse, createRoleEvent, invokeBundle, type LogLine, sqsBatch } from './support/bundle.js';
import { createRole, profilesOf, uniqueRoleName } from './support/iam.js';

/** What a corpus shape must come to in the bundle. */
function expectedDecision(entry: CorpusEntry): { decision: string; reason?: string } {
  if (entry.adapted !== 'trigger') return { decision: 'ignored', reason: entry.adapted };
  const identity = entry.event.detail.userIdentity as { invokedBy?: string };
  if (identity.invokedBy === 'cloudformation.amazonaws.com') return { decision: 'nothing', reason: 'ignored-caller' };
  if (entry.kind === 'role-created' || entry.kind === 'trust-changed') return { decision: 'create' };
  // The role holds the profile we gave it, and nothing else keeps DeleteRole from succeeding.
  if (entry.kind === 'delete-conflict') return { decision: 'release' };
  // A DeleteRole that went through, of a role that had no profile of ours.
  return { decision: 'nothing', reason: 'no-leftover-profile' };
}

/** A corpus event for this run: a role name of its own (kept as the record gives it, case and all). */
function forThisRun(entry: CorpusEntry, index: number): { event: Record<string, unknown>; role?: string } {
  const event = structuredClone(entry.event) as unknown as {
    time?: string;
    detail: Record<string, unknown> & { requestParameters?: Record<string, unknown> | null };
  } & Record<string, unknown>;
  const named = recordRoleName(entry.event);
  if (named === undefined || entry.adapted === 'invalid-role-name' || entry.adapted === 'failed-call') return { event };
  // moto matches role names case-sensitively where IAM does not: the role is made as the record names it.
  const role = uniqueRoleName(`corpus-${index}-${named === named.toUpperCase() ? 'UP' : 'lo'}`);
  event.detail.requestParameters = { ...event.detail.requestParameters, roleName: role };
  return { event, role };
}

/** Gives an event the time now, as EventBridge and CloudTrail would for a call just made. */
function stampNow(event: Record<string, unknown>): void {
  const now = cloudTrailTime(new Date());
  const stamped = event as { time?: string; detail: { eventTime?: string } };
  stamped.time = now;
  stamped.detail.eventTime = now;
}

describe('the corpus of record shapes, through the built bundle', () => {
  it('returns none for the DLQ, decides each once, gives each EC2 role created or changed its profile, and releases ours on each DeleteConflict', async () => {
    // Prepare
    const corpus = loadCorpus();
    const runs = corpus.map((entry, index) => ({ entry, ...forThisRun(entry, index) }));
    const conflicted: string[] = [];
    for (const { entry, role, event } of runs) {
      if (role === undefined || entry.kind === 'role-deleted') continue;
      const cn = JSON.stringify(event).includes('ec2.amazonaws.com.cn');
      await createRole(role, cn ? { trust: EC2_TRUST_JSON.replace('ec2.amazonaws.com', 'ec2.amazonaws.com.cn') } : {});
      if (entry.kind === 'delete-conflict') conflicted.push(role);
    }
    // The roles whose DeleteRole failed on our profile get that profile first, as the service gives it.
    const given = await invokeBundle<BatchResponse>(sqsBatch(...conflicted.map((role) => createRoleEvent(role))));
    expect(given.result.batchItemFailures).toEqual([]);

    // A DeleteConflict stamped in the second its role was made in is stale: the records are stamped a second later.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    // Act
    const outcomes: { name: string; failed: boolean; lines: LogLine[] }[] = [];
    for (let start = 0; start < runs.length; start += 10) {
      const slice = runs.slice(start, start + 10);
      // Stamped now, after the roles were made: a DeleteConflict older than its role is stale, and changes nothing.
      for (const { event } of slice) stampNow(event);
      const { result, logs } = await invokeBundle<BatchResponse>(sqsBatch(...slice.map((r) => r.event)));
      slice.forEach((run, i) => {
        const messageId = `msg-${i}`;
        outcomes.push({
          name: run.entry.name,
          failed: result.batchItemFailures.some((f) => f.itemIdentifier === messageId),
          lines: logs.filter((line) => line.messageId === messageId && line.decision !== undefined),
        });
      });
    }

    // Assess
    expect(outcomes.filter((o) => o.failed).map((o) => o.name)).toEqual([]);
    expect(outcomes.filter((o) => o.lines.length !== 1).map((o) => [o.name, o.lines.length])).toEqual([]);
    const decided = Object.fromEntries(
      outcomes.map((o, i) => {
        const want = expectedDecision(runs[i]?.entry as CorpusEntry);
        const line = o.lines[0] as LogLine;
        return [o.name, { decision: line.decision, ...(want.reason ? { reason: line.reason } : {}) }];
      }),
    );
    expect(decided).toEqual(Object.fromEntries(runs.map((r) => [r.entry.name, expectedDecision(r.entry)])));
    for (const { entry, role } of runs) {
      const { decision } = expectedDecision(entry);
      if (role === undefined || (decision !== 'create' && decision !== 'release')) continue;
      expect(await profilesOf(role), entry.name).toEqual(decision === 'create' ? [role] : []);
    }
  });
});
