/**
 * The EventBridge rule pattern that feeds the remediator: successful CloudTrail-recorded IAM calls
 * the adapter handles. One constant, shared by the stack, the tests and the local sandbox.
 */
import { CLOUDTRAIL_DETAIL_TYPE, IAM_CLOUDTRAIL_SOURCE, IAM_EVENT_SOURCE } from './events.js';

/** The rule's event pattern, in EventBridge's JSON form. */
export const REMEDIATOR_EVENT_PATTERN = {
  source: [IAM_EVENT_SOURCE],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: [IAM_CLOUDTRAIL_SOURCE],
    eventName: ['CreateRole'],
    errorCode: [{ exists: false }],
  },
} as const;
