/**
 * IAM's name rules, in one place: what a role name may be, and when two names are the same name. IAM names
 * roles and instance profiles uniquely per account case-insensitively ("Names are not distinguished by case":
 * IAM User Guide, "IAM identifiers"), whatever their path, so `Web` and `web` are one name. Pure.
 */

/**
 * A role name as IAM accepts it: 1 to 64 of letters, digits and `+=,.@_-` (IAM API Reference, CreateRole,
 * RoleName). A pattern rather than a function so that a CloudFormation parameter's `AllowedPattern` reads it too.
 */
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/** Whether IAM accepts `name` as a role name ({@link ROLE_NAME_PATTERN}). */
export function isRoleName(name: string): boolean {
  return ROLE_NAME_PATTERN.test(name);
}

/** Whether two IAM names (roles, instance profiles) name the same entity: IAM compares them case-insensitively. */
export function sameIamName(a: string, b: string): boolean {
  return iamNameKey(a) === iamNameKey(b);
}

/** The key under which an IAM name is unique, for maps and sets of names. */
export function iamNameKey(name: string): string {
  return name.toLowerCase();
}

/** Whether a profile holds the role `roleName`: one of its role names is the same IAM name ({@link sameIamName}). */
export function holdsRole(profile: { readonly roleNames: readonly string[] }, roleName: string): boolean {
  return profile.roleNames.some((name) => sameIamName(name, roleName));
}
