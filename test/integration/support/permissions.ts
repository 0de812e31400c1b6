/** Checks IAM calls a test observed (through the IAM proxy) against what the remediator's role is granted. */
import { expect } from 'vitest';
import { REMEDIATOR_PERMISSIONS } from '../../../core/iam/index.js';

/** The remediator's granted actions, without the `iam:` prefix, as the proxy names them. */
const GRANTED = new Set(REMEDIATOR_PERMISSIONS.map((permission) => permission.action.replace(/^iam:/, '')));

/** Asserts that every action seen is one REMEDIATOR_PERMISSIONS grants: what IAM would deny fails here. */
export function expectGranted(actions: readonly string[]): void {
  expect(actions.filter((action) => !GRANTED.has(action))).toEqual([]);
}
