import type { Caller, EventOrigin, RoleTrigger, TriggerKind } from '../../../core/events.js';

/** A trigger from a CloudTrail event, as the adapter makes it; `origin` fields override the defaults. */
export function eventTrigger(
  kind: TriggerKind,
  roleName: string,
  origin: Partial<Omit<EventOrigin, 'type'>> & { readonly caller?: Caller } = {},
): RoleTrigger {
  return {
    kind,
    roleName,
    origin: {
      type: 'event',
      eventName: EVENT_NAMES[kind],
      eventId: 'evt-1',
      caller: { arn: 'arn:aws:iam::123456789012:user/platform-admin' },
      ...origin,
    },
  };
}

/** A trigger from a scan of the account. */
export function scanTrigger(roleName: string): RoleTrigger {
  return { kind: 'found-by-scan', roleName, origin: { type: 'scan', scanId: 'scan-1' } };
}

const EVENT_NAMES: Readonly<Record<TriggerKind, string>> = {
  'role-created': 'CreateRole',
  'trust-changed': 'UpdateAssumeRolePolicy',
  'opt-in-tagged': 'TagRole',
  'role-deleted': 'DeleteRole',
  'delete-conflict': 'DeleteRole',
  'found-by-scan': 'none',
};
