/**
 * What `release ROLE` may do with the role's profile (our profiles always carry the role's name). Only a
 * profile that is ours ({@link isOurs}) and, while it holds the role, bound to the role's current id
 * ({@link isBoundTo}) is ever changed: the rules the remediator follows, from the same code. Anything else
 * is refused with the reason. Pure.
 */
import { ourTagKeys } from '../../core/iam/hand-over.js';
import { holdsRole, sameIamName } from '../../core/names.js';
import type { ProfileSnapshot, RoleSnapshot } from '../../core/snapshots.js';
import { isBoundTo, isOurs, MANAGED_TAG, SOURCE_ROLE_ID_TAG } from '../../core/tags.js';

/** Hand the profile over (remove our tags), or take it away (`--delete`). */
export type ReleaseMode = 'hand-over' | 'delete';

/** The plan: untag, remove the role and delete, or refuse and say why (naming the profile when there is one). */
export type ReleasePlan =
  | { readonly kind: 'untag'; readonly profileName: string; readonly tagKeys: readonly string[] }
  | { readonly kind: 'delete'; readonly profileName: string; readonly roleNames: readonly string[] }
  | { readonly kind: 'refuse'; readonly profileName: string | null; readonly reason: string };

/** Whether the plan needs the role itself: only when the profile holds it, to check the binding. */
export function needsRole(roleName: string, profile: ProfileSnapshot | 'absent'): boolean {
  return profile !== 'absent' && isOurs(profile.tags) && holdsRole(profile, roleName);
}

/**
 * Decides what releasing `roleName` does to `profile`, the instance profile of its name as read now;
 * `role` is the role as read now, needed when the profile holds it ({@link needsRole}).
 */
export function planRelease(
  roleName: string,
  profile: ProfileSnapshot | 'absent',
  mode: ReleaseMode,
  role?: RoleSnapshot | 'absent',
): ReleasePlan {
  if (profile === 'absent') {
    return { kind: 'refuse', profileName: null, reason: `there is no instance profile named ${roleName}` };
  }
  const refuse = (reason: string): ReleasePlan => ({ kind: 'refuse', profileName: profile.name, reason });
  if (!isOurs(profile.tags)) {
    return refuse(`instance profile ${profile.name} is not ours (no ${MANAGED_TAG}=true); nothing was changed`);
  }
  if (holdsRole(profile, roleName) && role !== 'absent' && (role === undefined || !isBoundTo(profile, role))) {
    return refuse(
      `instance profile ${profile.name} is not bound to role ${roleName} (its ${SOURCE_ROLE_ID_TAG} is ` +
        `${profile.tags[SOURCE_ROLE_ID_TAG] ?? 'missing'}, the role's id is ${role?.id ?? 'unknown'}); nothing was changed`,
    );
  }
  const others = profile.roleNames.filter((name) => !sameIamName(name, roleName));
  if (mode === 'delete' && others.length > 0) {
    return refuse(
      `instance profile ${profile.name} holds role ${others.join(', ')}, not ${roleName}; nothing was changed`,
    );
  }
  if (mode === 'delete') return { kind: 'delete', profileName: profile.name, roleNames: profile.roleNames };
  return { kind: 'untag', profileName: profile.name, tagKeys: ourTagKeys(profile.tags) };
}
