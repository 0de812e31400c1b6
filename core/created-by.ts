/**
 * Who created a role, for the reconcile pass and the CLI's `scan` and `fix`: so that `ignoredCallers` (and our own
 * role) hold for a role found by a scan as they hold for its CreateRole event. The one source is CloudTrail's event
 * history (LookupEvents, 90 days): the CreateRole events in a narrow window around the role's CreateDate
 * (± {@link WINDOW_MS}). Candidates whose windows overlap share one lookup (the roles of one Terraform apply cost one
 * call, not one each), and its pages (50 events each) are read until every role of the window is found. No tag
 * tells it: CloudFormation puts no `aws:cloudformation:*` tags on IAM roles (cloudformation-coverage-roadmap #277,
 * #1159, #1966, open).
 *
 * CloudTrail allows 2 LookupEvents a second per account and region: calls are spaced
 * {@link LOOKUP_INTERVAL_MS} apart, and a pass makes at most `budget` of them ({@link DEFAULT_LOOKUP_BUDGET}:
 * 10 minutes' worth, within the function's 15). A role older than the event history, or beyond the budget,
 * has an unknown creator, and the setting `unknownCreator` decides (core/decide.ts). A role younger than
 * {@link EVENT_HISTORY_LAG_MS} whose CreateRole is not found is not unknown but pending: CloudTrail may not have
 * delivered its event yet, and that event, on its way to the service too, decides; the scan leaves it alone.
 */
import { type CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { type Caller, callerOf, type ScanOrigin } from './events.js';
import type { IamPermission } from './iam/permissions.js';
import { iamNameKey } from './names.js';

/** The action this module calls: LookupEvents has no resource type, so `*`. It only reads. */
export const CREATED_BY_PERMISSIONS: readonly IamPermission[] = [{ action: 'cloudtrail:LookupEvents', resource: '*' }];

/** How long CloudTrail's event history keeps management events. */
export const EVENT_HISTORY_DAYS = 90;

/** CloudTrail's LookupEvents rate: 2 per second per account and region. */
export const LOOKUP_INTERVAL_MS = 500;

/** How far from a role's CreateDate its CreateRole event is looked for. */
export const WINDOW_MS = 60_000;

/** The most LookupEvents one pass makes: 10 minutes at CloudTrail's rate, so a pass ends within Lambda's 15. */
export const DEFAULT_LOOKUP_BUDGET = 1200;

/**
 * How long after a call its event may still be missing from the event history: an hour. "CloudTrail typically
 * delivers logs within an average of about 5 minutes of an API call. This time is not guaranteed."
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html); an hour is
 * twelve times that average. Within it, a CreateRole not found is not yet known rather than unknown.
 */
export const EVENT_HISTORY_LAG_MS = 60 * 60 * 1000;

/** Why a creator could not be found, for good: `unknownCreator` decides what becomes of the role. */
export type UnknownCreatorReason =
  | 'older-than-event-history'
  | 'no-create-date'
  | 'not-in-event-history'
  | 'over-lookup-budget';

/** Who created a role; or why that is not known; or that it is not known yet (younger than {@link EVENT_HISTORY_LAG_MS}). */
export type Creator =
  | { readonly known: true; readonly caller: Caller }
  | { readonly known: false; readonly reason: UnknownCreatorReason }
  | { readonly known: false; readonly reason: 'not-in-event-history-yet' };

/** A role whose creator is wanted. */
export interface CreatorQuery {
  readonly name: string;
  readonly createDate?: Date | undefined;
}

/** A creator as a scan's trigger carries it (core/events.ts, `ScanOrigin.creator`): the caller, `unknown` or `pending`. */
export function scanCreator(creator: Creator): NonNullable<ScanOrigin['creator']> {
  if (creator.known) return creator.caller;
  return creator.reason === 'not-in-event-history-yet' ? 'pending' : 'unknown';
}

/** Finds the creators of roles; one per pass, as it counts its calls against the budget. */
export interface CreatorFinder {
  /** The creator of each role, by name. */
  find(roles: readonly CreatorQuery[]): Promise<ReadonlyMap<string, Creator>>;
  /** LookupEvents calls made so far. */
  readonly calls: number;
}

/** What {@link cloudTrailCreators} needs. */
export interface CreatorOptions {
  /** The pass's time: roles older than the event history are not looked up. */
  readonly now: Date;
  /** @default DEFAULT_LOOKUP_BUDGET */
  readonly budget?: number;
  /** Waits between calls. @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default LOOKUP_INTERVAL_MS */
  readonly intervalMs?: number;
}

/** A {@link CreatorFinder} on CloudTrail's event history. */
export function cloudTrailCreators(cloudtrail: Pick<CloudTrailClient, 'send'>, options: CreatorOptions): CreatorFinder {
  const budget = options.budget ?? DEFAULT_LOOKUP_BUDGET;
  const intervalMs = options.intervalMs ?? LOOKUP_INTERVAL_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const oldest = options.now.getTime() - EVENT_HISTORY_DAYS * 24 * 3600 * 1000 + WINDOW_MS;
  const settled = options.now.getTime() - EVENT_HISTORY_LAG_MS;
  let calls = 0;
  let lastCall = Number.NEGATIVE_INFINITY;

  const lookup = async (input: LookupEventsCommandInput) => {
    const wait = lastCall + intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    lastCall = Date.now();
    calls++;
    return cloudtrail.send(new LookupEventsCommand(input));
  };

  return {
    get calls() {
      return calls;
    },
    async find(roles) {
      const creators = new Map<string, Creator>();
      const dated: { readonly name: string; readonly time: number }[] = [];
      for (const role of roles) {
        if (role.createDate === undefined) {
          creators.set(role.name, { known: false, reason: 'no-create-date' });
        } else if (role.createDate.getTime() < oldest) {
          creators.set(role.name, { known: false, reason: 'older-than-event-history' });
        } else {
          dated.push({ name: role.name, time: role.createDate.getTime() });
        }
      }
      for (const window of windows(dated)) {
        const pending = new Map(window.roles.map((role) => [iamNameKey(role.name), role]));
        let token: string | undefined;
        do {
          if (calls >= budget) break;
          const page = await lookup({
            LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateRole' }],
            StartTime: new Date(window.start),
            EndTime: new Date(window.end),
            MaxResults: 50,
            NextToken: token,
          });
          for (const event of page.Events ?? []) {
            const found = createRoleOf(event.CloudTrailEvent);
            const role = found === undefined ? undefined : pending.get(iamNameKey(found.roleName));
            if (found === undefined || role === undefined) continue;
            creators.set(role.name, { known: true, caller: found.caller });
            pending.delete(iamNameKey(found.roleName));
          }
          token = page.NextToken;
        } while (token !== undefined && pending.size > 0);
        const reason: UnknownCreatorReason =
          calls >= budget && pending.size > 0 ? 'over-lookup-budget' : 'not-in-event-history';
        for (const role of pending.values()) {
          // Too young to be missing for good: its CreateRole may not be in the history yet, whether looked for or not.
          creators.set(role.name, { known: false, reason: role.time > settled ? 'not-in-event-history-yet' : reason });
        }
      }
      return creators;
    },
  };
}

/**
 * The windows to look in: each role's CreateDate ± {@link WINDOW_MS}, overlapping ones merged, in time order.
 * Events come newest first, so within a window the latest CreateRole of a name (the role that exists now,
 * should it have been deleted and made again) is the one taken.
 */
export function windows(
  roles: readonly { readonly name: string; readonly time: number }[],
): { readonly start: number; readonly end: number; readonly roles: readonly { name: string; time: number }[] }[] {
  const sorted = [...roles].sort((a, b) => a.time - b.time);
  const merged: { start: number; end: number; roles: { name: string; time: number }[] }[] = [];
  for (const role of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && role.time - WINDOW_MS <= last.end) {
      last.end = role.time + WINDOW_MS;
      last.roles.push(role);
    } else {
      merged.push({ start: role.time - WINDOW_MS, end: role.time + WINDOW_MS, roles: [role] });
    }
  }
  return merged;
}

/** The role name and caller of a successful CreateRole record (LookupEvents' `CloudTrailEvent`, a JSON string). */
function createRoleOf(json: string | undefined): { readonly roleName: string; readonly caller: Caller } | undefined {
  if (json === undefined) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const { eventName, errorCode, requestParameters, userIdentity } = record as Record<string, unknown>;
  const roleName = (requestParameters as { roleName?: unknown } | null | undefined)?.roleName;
  if (eventName !== 'CreateRole' || errorCode !== undefined || typeof roleName !== 'string') return undefined;
  return { roleName, caller: callerOf(userIdentity) };
}
