/**
 * The service's own CreateInstanceProfile calls, read from CloudTrail's event history (LookupEvents,
 * EventName=CreateInstanceProfile, 90 days): the proof with which the reconcile pass records the profiles the
 * service made before it kept records (core/record-upkeep.ts). A record counts only if the call succeeded (no
 * `errorCode`), names the profile's id (`responseElements.instanceProfile.instanceProfileId`, which IAM never
 * reuses), and was made by a role of the service:
 * - a role of the account on the service's IAM path, {@link SERVICE_ROLE_PATH}, where the service's roles live;
 * - or, for the roles of versions before that path, a role on the path `/` whose name starts with the stack's name
 *   ({@link stackRolePrefix}): CloudFormation names a stack's unnamed roles `<stack name>-<logical id>-<random>`.
 *
 * CloudTrail allows 2 LookupEvents a second per account and region; the pass's calls here and its creator
 * lookups (core/created-by.ts) share that rate and one budget ({@link LookupBudget}).
 */
import { type CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { LOOKUP_INTERVAL_MS } from './created-by.js';
import { callerOf } from './events.js';
import type { IamPermission } from './iam/permissions.js';
import { SERVICE_ROLE_PATH } from './pipeline-settings.js';
import type { RangeRead, ServiceCreate, TimeRange } from './record-upkeep.js';

/** The action this module calls: LookupEvents has no resource type, so `*`. It only reads. */
export const SERVICE_CREATES_PERMISSIONS: readonly IamPermission[] = [
  { action: 'cloudtrail:LookupEvents', resource: '*' },
];

/** LookupEvents' largest page. */
const PAGE_SIZE = 50;

/**
 * The start of the names CloudFormation gives a stack's unnamed roles: the stack's name and a hyphen. A StackSet's
 * stack is named `StackSet-<set name>-<uuid>`, and CloudFormation shortens the stack's name in a role's name to
 * fit IAM's 64 characters, often inside the uuid (`StackSet-AutoInstanceProfile-0e5125da-7c1f-…`); the uuid is
 * therefore left out: `StackSet-AutoInstanceProfile-`.
 */
export function stackRolePrefix(stackName: string): string {
  const stem = stackName.replace(/-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, '');
  return `${stem}-`;
}

/**
 * Whether a role ARN is one of the service's roles in `accountId`: on {@link SERVICE_ROLE_PATH}, or (before the
 * roles moved there) on `/` with a name that starts with {@link stackRolePrefix} of `stackName`.
 */
export function isServiceRoleArn(arn: string, accountId: string, stackName: string | undefined): boolean {
  const match = /^arn:[a-z-]+:iam::(\d{12}):role(\/(?:[^/]+\/)*)([^/]+)$/.exec(arn);
  if (match === null) return false;
  const [, account, path, name] = match;
  if (account !== accountId || path === undefined || name === undefined) return false;
  if (path === SERVICE_ROLE_PATH) return true;
  return stackName !== undefined && stackName !== '' && path === '/' && name.startsWith(stackRolePrefix(stackName));
}

/**
 * The service's own successful CreateInstanceProfile in a CloudTrail record (LookupEvents' `CloudTrailEvent`, a
 * JSON string), or undefined for anything else: another call, a failed one, one made by anyone but a role of the
 * service in the record's own account, or a record without the profile's id.
 */
export function serviceCreateOf(json: string | undefined, stackName: string | undefined): ServiceCreate | undefined {
  const record = parseObject(json);
  if (record === undefined) return undefined;
  const { eventName, errorCode, eventID, eventTime, recipientAccountId, userIdentity, responseElements } = record;
  if (eventName !== 'CreateInstanceProfile' || errorCode !== undefined) return undefined;
  const profile = objectOf(objectOf(responseElements)?.instanceProfile);
  const profileId = profile?.instanceProfileId;
  const profileName = profile?.instanceProfileName;
  if (typeof profileId !== 'string' || profileId === '' || typeof profileName !== 'string') return undefined;
  if (typeof eventID !== 'string' || typeof eventTime !== 'string' || typeof recipientAccountId !== 'string') {
    return undefined;
  }
  const caller = callerOf(userIdentity);
  const issuerArn = caller.issuerArn;
  if (caller.type !== 'AssumedRole' || issuerArn === undefined) return undefined;
  if (!isServiceRoleArn(issuerArn, recipientAccountId, stackName)) return undefined;
  const time = new Date(eventTime);
  if (Number.isNaN(time.getTime())) return undefined;
  return { profileName, profileId, eventId: eventID, eventTime: time, issuerArn };
}

/**
 * A pass's LookupEvents calls: at most `limit` of them, {@link LOOKUP_INTERVAL_MS} apart (CloudTrail's rate).
 * What is left of the pass's budget after the records' upkeep goes to the creator lookups.
 */
export class LookupBudget {
  private made = 0;
  private lastCall = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limit: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly intervalMs: number = LOOKUP_INTERVAL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Calls made. */
  get calls(): number {
    return this.made;
  }

  /** Calls left. */
  get left(): number {
    return Math.max(0, this.limit - this.made);
  }

  /** Waits for CloudTrail's rate and counts one call; false, without waiting, when the budget is spent. */
  async take(): Promise<boolean> {
    if (this.made >= this.limit) return false;
    await this.idle();
    this.lastCall = this.clock();
    this.made++;
    return true;
  }

  /** Waits until another call may go out, so that whoever calls next keeps CloudTrail's rate too. */
  async idle(): Promise<void> {
    const wait = this.lastCall + this.intervalMs - this.clock();
    if (wait > 0) await this.sleep(wait);
  }
}

/**
 * Reads the CreateInstanceProfile events of `range`, newest first, a page (50 events) per call, and hands the
 * service's own to `onCreates` page by page, each before the next page is read. Stops when the budget is spent or
 * `stop` says so (the pass's time is up): the range is then read, and handed over, back to the oldest event seen
 * ({@link RangeRead}).
 */
export async function readServiceCreates(
  cloudtrail: Pick<CloudTrailClient, 'send'>,
  range: TimeRange,
  budget: LookupBudget,
  stackName: string | undefined,
  onCreates: (creates: readonly ServiceCreate[]) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<RangeRead> {
  let token: string | undefined;
  let reachedBack = range.to;
  do {
    if (stop() || !(await budget.take())) return { done: false, reachedBack };
    const page = await cloudtrail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateInstanceProfile' }],
        StartTime: range.from,
        EndTime: range.to,
        MaxResults: PAGE_SIZE,
        NextToken: token,
      }),
    );
    const creates: ServiceCreate[] = [];
    for (const event of page.Events ?? []) {
      if (event.EventTime !== undefined && event.EventTime < reachedBack) reachedBack = event.EventTime;
      const create = serviceCreateOf(event.CloudTrailEvent, stackName);
      if (create !== undefined) creates.push(create);
    }
    if (creates.length > 0) await onCreates(creates);
    token = page.NextToken;
  } while (token !== undefined);
  return { done: true };
}

function parseObject(json: string | undefined): Readonly<Record<string, unknown>> | undefined {
  if (json === undefined) return undefined;
  try {
    return objectOf(JSON.parse(json));
  } catch {
    return undefined;
  }
}

function objectOf(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Readonly<Record<string, unknown>>)
    : undefined;
}
