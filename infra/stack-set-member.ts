/**
 * How the organization stack turns a CDK stack into a StackSet's template. The member stack is an ordinary
 * stack built inside the organization stack, with this synthesizer instead of the bootstrap's:
 *
 * - its template is not a deployable artifact: it is written to the cloud assembly and handed to the
 *   organization stack as a file asset, whose URL the StackSet reads;
 * - its file assets (the service's bundles, and the CDK's own custom resource provider code) go where every
 *   account of the organization can read them, none of which is bootstrapped: each is published as an asset of
 *   the organization stack and copied into its code bucket ({@link MemberCodeStore}); the member template reads it
 *   from the bucket named by its `CodeBucket` parameter;
 * - it needs no bootstrap: no `BootstrapVersion` parameter and no bootstrap rule.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Aws,
  CfnParameter,
  type DockerImageAssetLocation,
  type DockerImageAssetSource,
  type FileAssetLocation,
  FileAssetPackaging,
  type FileAssetSource,
  type ISynthesisSession,
  Lazy,
  type Stack,
  StackSynthesizer,
} from 'aws-cdk-lib';
import { AutoInstanceProfileError } from '../core/errors.js';

/** The member template's parameters, which the StackSet fills in. */
export const MEMBER_PARAMETERS = {
  /** The organization's code bucket, which holds every file asset of the member template. */
  codeBucket: 'CodeBucket',
  /** The organization's alarm topic, which every member stack's alarms notify. */
  alarmTopicArn: 'AlarmTopicArn',
} as const;

/** Where the member template's file assets are kept for the organization's accounts to read. */
export interface MemberCodeStore {
  /**
   * Makes sure the asset will be in the code bucket before the StackSet reads the template, and returns its
   * key there.
   */
  store(asset: FileAssetSource): string;
}

/** The member template's file assets, kept in a code bucket of the organization; the template, an asset of its parent. */
export class StackSetMemberSynthesizer extends StackSynthesizer {
  private codeBucketParameter: CfnParameter | undefined;
  private templateLocation: FileAssetLocation | undefined;

  /**
   * @param parent the organization stack: the template becomes one of its file assets
   * @param code where the member's file assets go
   */
  constructor(
    private readonly parent: Stack,
    private readonly code: MemberCodeStore,
  ) {
    super();
  }

  /** The asset, copied into the code bucket, as the member template refers to it. */
  public addFileAsset(asset: FileAssetSource): FileAssetLocation {
    const objectKey = this.code.store(asset);
    const bucketName = this.codeBucketName();
    return {
      bucketName,
      objectKey,
      httpUrl: `https://s3.${Aws.REGION}.${Aws.URL_SUFFIX}/${bucketName}/${objectKey}`,
      s3ObjectUrl: `s3://${bucketName}/${objectKey}`,
    };
  }

  public addDockerImageAsset(_asset: DockerImageAssetSource): DockerImageAssetLocation {
    throw new AutoInstanceProfileError('A StackSet member template cannot use Docker image assets');
  }

  /**
   * Writes the template into the cloud assembly, as every stack's is, and registers it with the parent as a
   * file asset; no artifact, so `cdk deploy` never deploys it on its own. The CDK synthesizes a stack's
   * children before it, so the parent's template, which holds {@link templateUrl}, is written after this.
   */
  public synthesize(session: ISynthesisSession): void {
    this.synthesizeTemplate(session);
    const templateFile = this.boundStack.templateFile;
    const body = readFileSync(join(session.outdir, templateFile));
    this.templateLocation = this.parent.synthesizer.addFileAsset({
      fileName: templateFile,
      packaging: FileAssetPackaging.FILE,
      sourceHash: createHash('sha256').update(body).digest('hex'),
    });
  }

  /**
   * The template's HTTPS URL in the parent's asset bucket, known once the member stack is synthesized. Before that
   * (the CDK resolves every token once while preparing the app, to find references) it is empty.
   */
  public get templateUrl(): string {
    return Lazy.uncachedString({ produce: () => this.templateLocation?.httpUrl });
  }

  /** The `CodeBucket` parameter, declared with the first asset. */
  private codeBucketName(): string {
    this.codeBucketParameter ??= new CfnParameter(this.boundStack, MEMBER_PARAMETERS.codeBucket, {
      type: 'String',
      description: "The organization's bucket that holds this template's Lambda code (set by the StackSet)",
    });
    return this.codeBucketParameter.valueAsString;
  }
}
