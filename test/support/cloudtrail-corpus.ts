/**
 * The corpus of CloudTrail record shapes (test/fixtures/cloudtrail/corpus/): one EventBridge event per
 * shape AWS produces or has produced for the calls we handle, each with where the shape comes from, what
 * the event table makes of it (`kind`) and what the adapter does with it (`adapted`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IgnoredReason, TriggerKind } from '../../core/events.js';

/** Where a shape comes from. */
export interface CorpusSource {
  readonly title: string;
  readonly url: string;
  /** The fact the shape rests on, where the title does not say it. */
  readonly fact?: string;
}

/** An EventBridge event of the corpus, as loose as JSON. */
export interface CorpusEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown> & {
    readonly eventID: string;
    readonly eventName: string;
    readonly requestParameters?: Record<string, unknown> | null;
  };
  readonly [field: string]: unknown;
}

/** One shape. */
export interface CorpusEntry {
  /** The file name without `.json`. */
  readonly name: string;
  readonly shape: string;
  readonly sources: readonly CorpusSource[];
  /** What the event table makes of the call: the trigger kind, or null where it handles neither name nor outcome. */
  readonly kind: TriggerKind | null;
  /** What the adapter does: a trigger, or acknowledges it without work, for this reason. */
  readonly adapted: 'trigger' | IgnoredReason;
  /** The role's name as IAM has it, where the record names it in another case. */
  readonly role?: string;
  readonly event: CorpusEvent;
}

const CORPUS = new URL('../fixtures/cloudtrail/corpus/', import.meta.url);

/** Every shape of the corpus, by file name. */
export function loadCorpus(): CorpusEntry[] {
  return readdirSync(CORPUS)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      name: file.slice(0, -'.json'.length),
      ...(JSON.parse(readFileSync(new URL(file, CORPUS), 'utf8')) as Omit<CorpusEntry, 'name'>),
    }));
}

/** The role name a corpus record gives, if it gives one as a string. */
export function recordRoleName(event: CorpusEvent): string | undefined {
  const name = event.detail.requestParameters?.roleName;
  return typeof name === 'string' ? name : undefined;
}
