/**
 * What `release ROLE` may do with the role's profile (our profiles always carry the role's name). Only a
 * profile tagged as ours is ever changed; anything else is refused with the reason. Pure.
 */
import type { ProfileSnapshot } from '../../core/decide.js';
import { ourTagKeys } from '../../core/iam/hand-over.js';
import { isTagTrue, MANAGED_TAG } from '../../core/tags.js';

/** Hand the profile over (remove our tags), or take it away (`--delete`). */
export type ReleaseMode = 'hand-over' | 'delete';

/** The plan: untag, remove the role and delete, or refuse and say why. */
export type ReleasePlan =
  | { readonly kind: 'untag'; readonly profileName: string; readonly tagKeys: readonly string[] }
  | { readonly kind: 'delete'; readonly profileName: string; readonly roleNames: readonly string[] }
  | { readonly kind: 'refuse'; readonly reason: string };

/** Decides what releasing `roleName` does to `profile`, the instance profile of its name as read now. */
export function planRelease(roleName: string, profile: ProfileSnapshot | 'absent', mode: ReleaseMode): ReleasePlan {
  if (profile === 'absent') return { kind: 'refuse', reason: `there is no instance profile named ${roleName}` };
  if (!isTagTrue(profile.tags, MANAGED_TAG)) {
    return {
      kind: 'refuse',
      reason: `instance profile ${profile.name} is not ours (no ${MANAGED_TAG}=true); nothing was changed`,
    };
  }
  const others = profile.roleNames.filter((name) => name !== roleName);
  if (mode === 'delete' && others.length > 0) {
    return {
      kind: 'refuse',
      reason: `instance profile ${profile.name} holds role ${others.join(', ')}, not ${roleName}; nothing was changed`,
    };
  }
  if (mode === 'delete') return { kind: 'delete', profileName: profile.name, roleNames: profile.roleNames };
  return { kind: 'untag', profileName: profile.name, tagKeys: ourTagKeys(profile.tags) };
}
