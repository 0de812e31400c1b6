/** Checks IAM calls a test observed (through the IAM proxy) against what a function's role is granted. */
import { expect } from 'vitest';
import { type IamPermission, REMEDIATOR_PERMISSIONS } from '../../../core/iam/index.js';

/**
 * Asserts that every action seen is one `permissions` grants (the remediator's unless told otherwise): what
 * IAM would deny fails here.
 */
export function expectGranted(
  actions: readonly string[],
  permissions: readonly IamPermission[] = REMEDIATOR_PERMISSIONS,
): void {
  // The granted actions without the `iam:` prefix, as the proxy names them.
  const granted = new Set(permissions.map((permission) => permission.action.replace(/^iam:/, '')));
  expect(actions.filter((action) => !granted.has(action))).toEqual([]);
}
