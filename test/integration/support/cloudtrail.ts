/**
 * CloudTrail events as EventBridge delivers them: the fixtures of test/fixtures/cloudtrail, for a role of
 * the test's own, from the one builder (emulator/cloudtrail-event.ts), shared with the sandbox and the bench.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GetRoleCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { type CloudTrailEvent, cloudTrailEvent, type EventOptions } from '../../../emulator/cloudtrail-event.js';
import { iam } from './iam.js';

export {
  assumedRoleIdentity,
  type CloudTrailFixture,
  cloudTrailEvent,
  type EventOptions,
} from '../../../emulator/cloudtrail-event.js';

/**
 * The record of a `delete-role` on `roleName` that failed with DeleteConflict, stamped now, as a real one is: in a
 * later whole second than the role's CreateDate. A record of the second the role was made in is stale (core/decide.ts),
 * so a test that has just made the role waits here for the next second to begin.
 */
export async function deleteConflictEvent(roleName: string, options: EventOptions = {}): Promise<CloudTrailEvent> {
  let created: Date | undefined;
  try {
    created = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.CreateDate;
  } catch (error) {
    if (!(error instanceof NoSuchEntityException)) throw error;
  }
  if (created !== undefined) {
    const wait = (Math.floor(created.getTime() / 1000) + 1) * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
  }
  return cloudTrailEvent('delete-role-conflict', roleName, options);
}
