import { sameIamName } from './names.js';

/** Tag keys the service reads and writes. All live in one namespace so they are easy to find and to filter. */
export const TAG_PREFIX = 'auto-instance-profile:';

/** On an instance profile: `true` marks a profile this service created and therefore may change or delete. */
export const MANAGED_TAG = `${TAG_PREFIX}managed`;

/** On a role: `true` opts the role out of remediation. */
export const SKIP_TAG = `${TAG_PREFIX}skip`;

/** On a role, with the setting `selection` = `opt-in`: `true` opts the role in (read as {@link SKIP_TAG} is). */
export const OPT_IN_TAG = `${TAG_PREFIX}opt-in`;

/** On a profile we created: the ARN of the role it was created for. */
export const SOURCE_ROLE_ARN_TAG = `${TAG_PREFIX}source-role-arn`;

/** On a profile we created: the role's unique id, which tells a re-created role of the same name apart. */
export const SOURCE_ROLE_ID_TAG = `${TAG_PREFIX}source-role-id`;

/** On a profile we created: the CloudTrail `eventID` that caused it. */
export const SOURCE_EVENT_ID_TAG = `${TAG_PREFIX}source-event-id`;

/**
 * On a profile we created: the id of the run that created it, also in that run's log line. It lets a run
 * whose CreateInstanceProfile answer was lost (a dropped connection, then EntityAlreadyExists on the
 * retry) know that the profile is its own.
 */
export const CREATION_ID_TAG = `${TAG_PREFIX}creation-id`;

/** IAM's limit on a tag value's length. */
export const MAX_TAG_VALUE_LENGTH = 256;

/**
 * Whether IAM accepts a string as a tag value: at most 256 characters of letters, spaces, digits and
 * `_.:/=+-@`. A role ARN may fail it: role names allow `,` and paths allow `(`, `#`, `!` and more.
 */
export function isValidTagValue(value: string): boolean {
  return value.length <= MAX_TAG_VALUE_LENGTH && /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value);
}

/** A tag list in the SDK's shape, as IAM returns it. */
export type TagList = readonly { readonly Key?: string | undefined; readonly Value?: string | undefined }[];

/** Tags as a plain record, which is what the decision reads. */
export type Tags = Readonly<Record<string, string>>;

/** Turns IAM's tag list into a record. Later duplicates win, as they cannot occur in IAM anyway. */
export function tagsToRecord(list: TagList | undefined): Tags {
  const tags: Record<string, string> = {};
  for (const { Key, Value } of list ?? []) {
    if (Key !== undefined) tags[Key] = Value ?? '';
  }
  return tags;
}

/**
 * True when `tags[key]` is `true`, compared case-insensitively as people type it both ways. Only for the
 * opt-out and opt-in tags, which a person sets on a role; ownership is {@link isOurs}.
 */
export function isTagTrue(tags: Tags, key: string): boolean {
  return tags[key]?.trim().toLowerCase() === 'true';
}

/**
 * Whether a profile is ours: {@link MANAGED_TAG} is exactly `true`, as IAM's `StringEquals` compares it in
 * the conditions that grant our writes (no trimming, no case folding). Anything else is someone else's.
 */
export function isOurs(tags: Tags): boolean {
  return tags[MANAGED_TAG] === 'true';
}

/** Whether a profile is ours and holds no role: the only kind the service (or `prune`) ever deletes unasked. */
export function isOurEmptyProfile(profile: { readonly tags: Tags; readonly roleNames: readonly string[] }): boolean {
  return isOurs(profile.tags) && profile.roleNames.length === 0;
}

/**
 * Whether a profile is bound to a role, and so may be released with it: the role's same-name profile (IAM
 * names are unique case-insensitively), ours, and tagged with the role's current id ({@link SOURCE_ROLE_ID_TAG}).
 * A forged {@link MANAGED_TAG} on another profile, or a profile made for an earlier role of the name, is not.
 */
export function isBoundTo(
  profile: { readonly name: string; readonly tags: Tags },
  role: { readonly name: string; readonly id: string },
): boolean {
  return (
    sameIamName(profile.name, role.name) &&
    isOurs(profile.tags) &&
    role.id !== '' &&
    profile.tags[SOURCE_ROLE_ID_TAG] === role.id
  );
}
