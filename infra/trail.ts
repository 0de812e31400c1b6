/**
 * An optional CloudTrail trail. EventBridge receives "AWS API Call via CloudTrail" events only while
 * a trail with logging enabled exists in the account; this one exists for accounts that have none.
 */
import type { Duration } from 'aws-cdk-lib';
import { ReadWriteType, Trail } from 'aws-cdk-lib/aws-cloudtrail';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { privateBucket } from './private-bucket.js';

/** Settings of {@link ManagementEventsTrail}. */
export interface ManagementEventsTrailProps {
  /** How long the bucket keeps each log file before S3 expires it. */
  readonly retention: Duration;
}

/** A single-region trail of write management events, IAM's included, into its own private bucket. */
export class ManagementEventsTrail extends Construct {
  /** The trail: logging, single-region, write management events with global service events. */
  public readonly trail: Trail;
  /** Where the trail delivers its log files; they expire after the retention; the bucket is retained when the stack is deleted. */
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ManagementEventsTrailProps) {
    super(scope, id);
    // An audit record outlives the stack: deleting the stack leaves the bucket and its logs.
    this.bucket = privateBucket(this, 'Bucket', {
      // Log files would otherwise pile up, and cost, for as long as the account exists.
      lifecycleRules: [{ id: 'ExpireLogFiles', expiration: props.retention }],
      noAccessLogsReason:
        'This bucket only receives CloudTrail log files, which CloudTrail already records with digest validation; ' +
        'server access logs would need yet another bucket and add nothing an auditor needs here.',
    });
    this.trail = new Trail(this, 'Trail', {
      bucket: this.bucket,
      // The stack lives in the IAM event region, where global service events (IAM's) are recorded.
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: true,
      managementEvents: ReadWriteType.WRITE_ONLY,
      enableFileValidation: true,
    });
  }
}
