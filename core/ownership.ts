/**
 * Ownership the service can prove: which instance profiles it made (or adopted), from its own record, never
 * from a tag. A tag is written by anyone who may `iam:TagInstanceProfile`, and a role's id is read by anyone
 * who may `iam:GetRole`; the record lives in a table that only the service's roles may write
 * (core/dynamodb/ownership-table.ts, infra/ownership-table.ts). The tags stay: IAM's conditions and people read them.
 *
 * A profile is proven ours when the record for its name either
 * - names its `InstanceProfileId` (a create confirmed, an adopt, CloudTrail's proof, a person's confirmation), or
 * - holds an intent, written before CreateInstanceProfile, that IAM's profile answers: the intent's creation id in
 *   the profile's {@link CREATION_ID_TAG} and IAM's `CreateDate` within the creating run's lifetime. A crash
 *   between the create and anything after it leaves that proof, which nobody else can produce: the id is random
 *   and the profile's creation time is IAM's.
 *
 * Pure: no SDK, no clock.
 */
import { FUNCTION_TIMEOUT_SECONDS } from './pipeline-settings.js';
import { CREATION_ID_TAG, isOurs, type Tags } from './tags.js';

/** How the service came to own a profile. */
export type OwnershipSource =
  /** The remediator created it (confirmed after its intent). */
  | 'created'
  /** A role of the profile's name adopted it (the record was re-bound to that role). */
  | 'adopted'
  /** CloudTrail's event history shows the service's own CreateInstanceProfile for this profile id. */
  | 'cloudtrail'
  /** A person confirmed that the service made it, through the CLI (`auto-instance-profile confirm`). */
  | 'operator';

/** The proven part of a record: this profile, bound to this role. */
export interface Owned {
  readonly profileId: string;
  readonly roleId: string;
  readonly source: OwnershipSource;
  /** When it was recorded (ISO 8601). */
  readonly at: string;
  /** The CloudTrail event id that caused it, where there was one. */
  readonly eventId?: string | undefined;
  /** Who confirmed it (`operator`), or which principal created it (`cloudtrail`). */
  readonly by?: string | undefined;
}

/** A create about to happen: written before CreateInstanceProfile, with the id the create tags the profile with. */
export interface CreationIntent {
  readonly creationId: string;
  readonly roleId: string;
  /** When it was written (ISO 8601), just before the create. */
  readonly at: string;
  readonly eventId?: string | undefined;
}

/** What the ownership table holds for one profile name. */
export interface OwnershipRecord {
  /** The profile's name as IAM spells it; the table's key is its lower case (IAM names are unique case-insensitively). */
  readonly profileName: string;
  readonly owned?: Owned | undefined;
  /** Creates recorded but not yet confirmed, oldest first. */
  readonly intents: readonly CreationIntent[];
  /** Incremented on every write: a re-bind is conditional on the record being the one it read. */
  readonly version: number;
}

/** What is known of the record for a profile name: read, none, or no table to read (the local invoke tool). */
export type RecordFact = OwnershipRecord | 'absent' | 'no-table';

/** The facts of a profile that a proof reads (GetInstanceProfile's answer). */
export interface ProvableProfile {
  readonly name: string;
  /** IAM's `InstanceProfileId`; empty when unknown. */
  readonly id: string;
  readonly createDate?: Date | undefined;
  readonly tags: Tags;
}

/** Whether a profile is ours, and to which role it is bound, or why it cannot be proven. */
export type Proof =
  | {
      readonly proven: true;
      readonly roleId: string;
      readonly by: 'record' | 'intent';
      readonly intent?: CreationIntent;
    }
  | { readonly proven: false; readonly why: UnprovenReason };

/** Why a profile is not provably ours. */
export type UnprovenReason =
  /** No {@link MANAGED_TAG}=true: IAM's conditions would refuse our writes, whatever a record says. */
  | 'not-tagged'
  /** The service has no table to read (the local invoke tool): nothing can be proven. */
  | 'no-table'
  /** The table holds nothing for the name: tagged, but the service never recorded making it. */
  | 'unrecorded'
  /** The record is about another profile of the name (an earlier one, or a create that did not land). */
  | 'recorded-for-another-profile';

/** Seconds IAM's CreateDate may precede an intent's time: IAM reports whole seconds, and clocks differ a little. */
export const INTENT_LEAD_SECONDS = 1;

/**
 * Seconds after an intent within which IAM's CreateDate must fall: the run that wrote it ends by then (the
 * function's timeout), with a second for IAM's clock.
 */
export const INTENT_WINDOW_SECONDS = FUNCTION_TIMEOUT_SECONDS + 1;

/** Whether the service made (or adopted) `profile`, by its record, and the role it is bound to. */
export function proveOwnership(record: RecordFact, profile: ProvableProfile): Proof {
  if (!isOurs(profile.tags)) return { proven: false, why: 'not-tagged' };
  if (record === 'no-table') return { proven: false, why: 'no-table' };
  if (record === 'absent') return { proven: false, why: 'unrecorded' };
  if (record.owned !== undefined && profile.id !== '' && record.owned.profileId === profile.id) {
    return { proven: true, roleId: record.owned.roleId, by: 'record' };
  }
  const intent = matchingIntent(record.intents, profile);
  if (intent !== undefined) return { proven: true, roleId: intent.roleId, by: 'intent', intent };
  return { proven: false, why: 'recorded-for-another-profile' };
}

/** The intent a profile answers: its creation id tagged on the profile, IAM's CreateDate within the intent's run. */
export function matchingIntent(
  intents: readonly CreationIntent[],
  profile: Pick<ProvableProfile, 'createDate' | 'tags'>,
): CreationIntent | undefined {
  const tagged = profile.tags[CREATION_ID_TAG];
  const created = profile.createDate?.getTime();
  if (tagged === undefined || created === undefined || Number.isNaN(created)) return undefined;
  return intents.find((intent) => {
    const at = Date.parse(intent.at);
    return (
      intent.creationId === tagged &&
      created >= at - INTENT_LEAD_SECONDS * 1000 &&
      created <= at + INTENT_WINDOW_SECONDS * 1000
    );
  });
}

/** What each reason means, for a log line or a report: the rest of "instance profile X …". */
export const UNPROVEN_NOTES: Readonly<Record<UnprovenReason, string>> = {
  'not-tagged': 'is not tagged as ours',
  'no-table': 'cannot be proven ours: the function has no ownership table (OWNERSHIP_TABLE)',
  unrecorded:
    "is tagged as ours, but the service's record has no trace of making it: a tag proves nothing; " +
    'if the service made it before it kept records, `auto-instance-profile confirm` records it',
  'recorded-for-another-profile':
    "is tagged as ours, but the service's record is about another profile of that name (an earlier one)",
};
