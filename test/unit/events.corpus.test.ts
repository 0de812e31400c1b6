/**
 * The corpus of CloudTrail record shapes (test/fixtures/cloudtrail/corpus/) through the adapter: each
 * shape becomes the trigger the event table says, or is acknowledged with its reason; none is rejected,
 * so none goes to the DLQ for its shape. The corpus itself is held to cover what real records vary in.
 */
import { describe, expect, it } from 'vitest';
import { fromEventBridge, fromSqsRecord, HANDLED_EVENTS, kindOf } from '../../core/events.js';
import { type CorpusEntry, loadCorpus, recordRoleName } from '../support/cloudtrail-corpus.js';

const corpus = loadCorpus();
const cases = corpus.map((entry) => [entry.name, entry] as const);

describe('the corpus', () => {
  it.each(cases)('%s says where it comes from', (_name, entry) => {
    // Assess
    expect(entry.sources.length).toBeGreaterThan(0);
    for (const source of entry.sources) expect(source.url).toMatch(/^(https:\/\/|test\/fixtures\/)/);
  });

  it.each(cases)('%s has the kind the event table gives its call', (_name, entry) => {
    // Prepare
    const { eventName, errorCode } = entry.event.detail;
    const handled = HANDLED_EVENTS[eventName];

    // Act
    const kind = handled === undefined ? undefined : kindOf(handled, errorCode as string | undefined);

    // Assess
    expect(kind ?? null).toBe(entry.kind);
  });

  it('covers every userIdentity type, eventVersion 1.05 to 1.11, both error-code forms and the three partitions', () => {
    // Prepare
    const details = corpus.map((entry) => entry.event.detail);
    const text = JSON.stringify(corpus);

    // Act
    const types = new Set(details.map((d) => (d.userIdentity as { type: string }).type));
    const versions = new Set(details.map((d) => d.eventVersion));
    const codes = new Set(details.map((d) => d.errorCode));

    // Assess
    for (const type of [
      'IAMUser',
      'AssumedRole',
      'FederatedUser',
      'Root',
      'AWSAccount',
      'AWSService',
      'IdentityCenterUser',
      'Directory',
      'Unknown',
    ]) {
      expect(types, type).toContain(type);
    }
    for (const version of ['1.05', '1.06', '1.07', '1.08', '1.09', '1.10', '1.11']) expect(versions).toContain(version);
    for (const code of ['DeleteConflictException', 'DeleteConflict', 'NoSuchEntity', 'NoSuchEntityException']) {
      expect(codes).toContain(code);
    }
    for (const marker of ['arn:aws:', 'arn:aws-cn:', 'arn:aws-us-gov:', 'ec2.amazonaws.com.cn', 'sourceIdentity']) {
      expect(text).toContain(marker);
    }
    expect(details.some((d) => d.requestParameters === null)).toBe(true);
    expect(details.some((d) => !('requestParameters' in d))).toBe(true);
    expect(details.some((d) => d.responseElements === null)).toBe(true);
    expect(details.some((d) => !('responseElements' in d))).toBe(true);
    expect(details.some((d) => !('managementEvent' in d) && !('eventCategory' in d) && !('tlsDetails' in d))).toBe(
      true,
    );
    expect(corpus.some((entry) => entry.role !== undefined)).toBe(true);
  });
});

describe('the adapter, on the corpus', () => {
  it.each(cases)('%s', (_name, entry: CorpusEntry) => {
    // Prepare
    const roleName = recordRoleName(entry.event);
    const body = JSON.stringify(entry.event);

    // Act
    const direct = fromEventBridge(entry.event);
    const fromQueue = fromSqsRecord({ messageId: 'm-1', body });

    // Assess
    expect(fromQueue).toEqual(direct);
    if (entry.adapted === 'trigger') {
      expect(direct).toMatchObject({
        kind: entry.kind,
        roleName,
        origin: { type: 'event', eventId: entry.event.detail.eventID, correlationId: entry.event.id },
      });
    } else {
      expect(direct).toMatchObject({ kind: 'ignored', reason: entry.adapted, eventId: entry.event.detail.eventID });
    }
  });
});
