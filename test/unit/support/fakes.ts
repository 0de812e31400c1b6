import type { OwnershipStore, RecordWriteResult } from '../../../core/dynamodb/ownership-table.js';
import type { ProfileUsageSource } from '../../../core/iam/account-summary.js';
import type { Counter, Log, LogAttributes, MetricName } from '../../../core/observability.js';
import type { CreationIntent, Owned, OwnershipRecord } from '../../../core/ownership.js';

/** A log line as a test sees it. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: LogAttributes;
}

/** A {@link Log} that records its lines, plus the per-record key scoping the handler uses. */
export class RecordingLog implements Log {
  private keys: LogAttributes = {};
  correlationId: unknown;

  /** @param lines shared with the parent, so a child's lines are seen where the test looks. */
  constructor(readonly lines: LogLine[] = []) {}

  /** A logger with its own keys that writes to the same lines, as Powertools' createChild does. */
  createChild(): RecordingLog {
    return new RecordingLog(this.lines);
  }

  debug(message: string, attributes: LogAttributes): void {
    this.push('debug', message, attributes);
  }
  info(message: string, attributes: LogAttributes): void {
    this.push('info', message, attributes);
  }
  warn(message: string, attributes: LogAttributes): void {
    this.push('warn', message, attributes);
  }
  error(message: string, attributes: LogAttributes): void {
    this.push('error', message, attributes);
  }
  appendKeys(attributes: LogAttributes): void {
    this.keys = { ...this.keys, ...attributes };
  }
  setCorrelationId(value: unknown): void {
    this.correlationId = value;
  }

  /** Lines above debug: what an operator sees at the default level. */
  get visible(): LogLine[] {
    return this.lines.filter((line) => line.level !== 'debug');
  }

  private push(level: LogLine['level'], message: string, attributes: LogAttributes): void {
    this.lines.push({
      level,
      message,
      attributes: { ...this.keys, correlation_id: this.correlationId, ...attributes },
    });
  }
}

/** A {@link Counter} that records what was counted. */
export class RecordingCounter implements Counter {
  readonly counts: { metric: MetricName; dimensions?: Readonly<Record<string, string>> | undefined }[] = [];

  count(metric: MetricName, dimensions?: Readonly<Record<string, string>>): void {
    this.counts.push({ metric, dimensions });
  }

  names(): MetricName[] {
    return this.counts.map((c) => c.metric);
  }
}

/** The account's instance profile usage as a warm function has it cached: read, far below the quota. */
export const STEADY_USAGE: ProfileUsageSource = {
  lease: async () => ({ usage: { used: 10, quota: 1000 }, created: () => {}, release: () => {} }),
};

/**
 * The ownership record in memory, as the table keeps it: one record per profile name (case-insensitively),
 * intents appended, binds conditional on the version read. `calls` lists what was asked, in order.
 */
export class MemoryOwnership implements OwnershipStore {
  readonly records = new Map<string, OwnershipRecord>();
  readonly calls: ('read' | 'intent' | 'bind')[] = [];

  /** A record proving `profileId` ours, bound to `roleId`. */
  static proving(profileName: string, profileId: string, roleId: string): MemoryOwnership {
    const store = new MemoryOwnership();
    store.records.set(profileName.toLowerCase(), {
      profileName,
      owned: { profileId, roleId, source: 'created', at: '2026-11-01T00:00:00.000Z' },
      intents: [],
      version: 1,
    });
    return store;
  }

  async read(profileName: string): Promise<OwnershipRecord | 'absent'> {
    this.calls.push('read');
    return this.records.get(profileName.toLowerCase()) ?? 'absent';
  }

  async recordIntent(profileName: string, intent: CreationIntent): Promise<void> {
    this.calls.push('intent');
    const record = this.records.get(profileName.toLowerCase());
    this.records.set(profileName.toLowerCase(), {
      profileName,
      owned: record?.owned,
      intents: [...(record?.intents ?? []), intent],
      version: (record?.version ?? 0) + 1,
    });
  }

  async bind(profileName: string, owned: Owned, version: number | 'absent'): Promise<RecordWriteResult> {
    this.calls.push('bind');
    const record = this.records.get(profileName.toLowerCase());
    if ((record?.version ?? 'absent') !== version) return 'record-changed';
    this.records.set(profileName.toLowerCase(), {
      profileName,
      owned,
      intents: [],
      version: (record?.version ?? 0) + 1,
    });
    return 'done';
  }
}
