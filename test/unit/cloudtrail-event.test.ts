/**
 * The one CloudTrail event builder (emulator/cloudtrail-event.ts): each preset is its fixture in
 * test/fixtures/cloudtrail/, field for field, and the adapter takes what it builds.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromEventBridge } from '../../core/events.js';
import {
  assumedRoleIdentity,
  CLOUDTRAIL_FIXTURES,
  type CloudTrailFixture,
  cloudTrailEvent,
} from '../../emulator/cloudtrail-event.js';

interface Fixture {
  readonly id: string;
  readonly time: string;
  readonly detail: {
    readonly eventID: string;
    readonly requestID: string;
    readonly requestParameters: { readonly roleName: string };
    readonly responseElements: { readonly role?: { readonly roleId: string } } | null;
  };
}

const load = (name: CloudTrailFixture) =>
  JSON.parse(readFileSync(`test/fixtures/cloudtrail/${name}.json`, 'utf8')) as Fixture;

/** The event without the one field the builder makes up afresh each time (CreateRole's roleId). */
function withoutRoleId(event: object): unknown {
  const copy = structuredClone(event) as { detail: { responseElements: { role?: { roleId?: string } } | null } };
  delete copy.detail.responseElements?.role?.roleId;
  return copy;
}

describe('cloudTrailEvent', () => {
  it.each(CLOUDTRAIL_FIXTURES)('builds the %s fixture, field for field', (name) => {
    // Prepare
    const fixture = load(name);
    const { eventID: eventId, requestID: requestId } = fixture.detail;

    // Act
    const event = cloudTrailEvent(name, fixture.detail.requestParameters.roleName, {
      now: new Date(fixture.time),
      ids: { id: fixture.id, eventId, requestId },
    });

    // Assess
    expect(withoutRoleId(event)).toEqual(withoutRoleId(fixture));
    expect(fromEventBridge(event)).toEqual(fromEventBridge(fixture));
  });

  it('makes new ids and the time of the call, whole seconds, in the envelope and the record', () => {
    // Prepare
    const now = new Date('2026-12-01T10:00:30.750Z');

    // Act
    const [a, b] = [1, 2].map(() => cloudTrailEvent('delete-role', 'r', { now, ageSeconds: 30 }));

    // Assess
    expect(a?.id).not.toBe(b?.id);
    expect(a?.detail.eventID).not.toBe(b?.detail.eventID);
    expect([a?.time, a?.detail.eventTime]).toEqual(['2026-12-01T10:00:00Z', '2026-12-01T10:00:00Z']);
  });

  it('takes the caller and extra request parameters a test needs, keeping the role name', () => {
    // Prepare
    const identity = assumedRoleIdentity('arn:aws-cn:iam::123456789012:role/ci/deployer', 'build-7');

    // Act
    const event = cloudTrailEvent('update-assume-role-policy', 'app', {
      userIdentity: identity,
      requestParameters: { policyDocument: '{}', roleName: 'other' },
    });

    // Assess
    expect(event.detail.requestParameters).toEqual({ roleName: 'app', policyDocument: '{}' });
    expect(event.detail.userIdentity).toMatchObject({
      arn: 'arn:aws-cn:sts::123456789012:assumed-role/deployer/build-7',
    });
  });
});
