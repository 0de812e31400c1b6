/**
 * The project's private buckets (the trail's logs, the organization's code): the settings they share in one
 * place, so that a bucket of ours is never public, plain HTTP, or deleted with its stack.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type BucketProps, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** What differs between our buckets. */
export interface PrivateBucketProps {
  /** Why the bucket has no server access logs: cdk-nag's AwsSolutions-S1, acknowledged with this reason. */
  readonly noAccessLogsReason: string;
  /** Lifecycle rules. @default none */
  readonly lifecycleRules?: BucketProps['lifecycleRules'];
}

/**
 * A bucket with SSE-S3 (a KMS key of this account could not be read by others), TLS only, all public access
 * blocked, ACLs disabled, and kept when the stack is deleted (what it holds outlives the stack).
 */
export function privateBucket(scope: Construct, id: string, props: PrivateBucketProps): Bucket {
  const bucket = new Bucket(scope, id, {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: props.lifecycleRules,
  });
  Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: props.noAccessLogsReason });
  return bucket;
}
