/**
 * CloudTrail events as EventBridge delivers them: the fixtures of test/fixtures/cloudtrail, for a role of
 * the test's own, from the one builder (emulator/cloudtrail-event.ts), shared with the sandbox and the bench.
 */
export {
  assumedRoleIdentity,
  type CloudTrailFixture,
  cloudTrailEvent,
  type EventOptions,
} from '../../../emulator/cloudtrail-event.js';
