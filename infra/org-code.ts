/**
 * The organization's code bucket: where every account of the organization reads the member template's Lambda
 * code from. Lambda takes a function's code only from a bucket in the function's own region, and member accounts
 * have no CDK bootstrap bucket, so the code lives here, in the IAM event region, readable by the organization.
 *
 * `cdk deploy` publishes each asset to the organization stack's own bootstrap bucket, as for any stack; a custom
 * resource then copies it here (S3 CopyObject), under the same content-addressed key, before the StackSet runs.
 */
import { extname } from 'node:path';
import { FileAssetPackaging, type FileAssetSource, Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  type AwsSdkCall,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { privateBucket } from './private-bucket.js';
import { FUNCTION_MEMORY_MB } from './service-function.js';
import type { MemberCodeStore } from './stack-set-member.js';

/** What the code bucket needs. */
export interface OrganizationCodeProps {
  /** The organization's id (`o-…`): its principals may read the code. */
  readonly organizationId: string;
  /** The log group of the CDK's custom resource provider, which runs the copies. */
  readonly providerLogGroup: ILogGroup;
}

/** The bucket, its policy, and one copy per asset of the member template. */
export class OrganizationCode extends Construct implements MemberCodeStore {
  /** The bucket: SSE-S3 (a KMS key of this account could not be used by the others), TLS only, private. */
  public readonly bucket: Bucket;
  /** The custom resources that copy each asset into the bucket; the StackSet waits for them. */
  public readonly copies: AwsCustomResource[] = [];
  private readonly providerLogGroup: ILogGroup;

  constructor(scope: Construct, id: string, props: OrganizationCodeProps) {
    super(scope, id);
    // Deleting the organization stack deletes the StackSet first; the code of the last version stays, with the
    // bucket, until someone removes both (docs/organization.md, "Removal").
    this.bucket = privateBucket(this, 'Bucket', {
      noAccessLogsReason:
        'The bucket holds only the Lambda code of released versions, written by this stack and read by the ' +
        "organization's accounts when CloudFormation creates or updates their functions (recorded in each account's " +
        'CloudTrail); server access logs would need another bucket and add nothing.',
    });
    // Lambda reads a function's code with the credentials of whoever creates or updates the function: in a member
    // account, the StackSet's execution role. Any principal of the organization may read; nobody else.
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OrganizationReadsLambdaCode',
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    this.providerLogGroup = props.providerLogGroup;
  }

  /** Publishes the asset with this stack and copies it into the bucket, once per content hash. */
  public store(asset: FileAssetSource): string {
    const stack = Stack.of(this);
    const published = stack.synthesizer.addFileAsset(asset);
    // The key in this bucket is the content's hash, as the CDK's own asset key is: a literal, whatever key the asset
    // was published under (a release template's comes from its parameters, which the member template cannot read).
    const key = `${asset.sourceHash}${asset.packaging === FileAssetPackaging.ZIP_DIRECTORY ? '.zip' : extname(asset.fileName ?? '')}`;
    const id = `Copy${asset.sourceHash}`;
    if (this.node.tryFindChild(id) !== undefined) return key;
    const copy: AwsSdkCall = {
      service: 'S3',
      action: 'copyObject',
      parameters: {
        Bucket: this.bucket.bucketName,
        Key: key,
        CopySource: `${published.bucketName}/${published.objectKey}`,
      },
      // The key is the content's hash: a new version is a new key, so a copy is never replaced in place, and the
      // objects of earlier versions stay for stacks that roll back to them.
      physicalResourceId: PhysicalResourceId.of(key),
      outputPaths: ['CopyObjectResult.ETag'],
    };
    this.copies.push(
      new AwsCustomResource(this, id, {
        resourceType: 'Custom::OrganizationCodeCopy',
        onCreate: copy,
        onUpdate: copy,
        installLatestAwsSdk: false,
        memorySize: FUNCTION_MEMORY_MB,
        logGroup: this.providerLogGroup,
        policy: AwsCustomResourcePolicy.fromStatements([
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ['s3:GetObject'],
            resources: [objectArn(stack, published.bucketName, published.objectKey)],
          }),
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ['s3:PutObject'],
            resources: [this.bucket.arnForObjects(key)],
          }),
        ]),
      }),
    );
    return key;
  }
}

function objectArn(stack: Stack, bucketName: string, key: string): string {
  return stack.formatArn({ service: 's3', region: '', account: '', resource: bucketName, resourceName: key });
}
