/**
 * The release templates' synthesizer: a template for CloudFormation alone. No CDK bootstrap (no `BootstrapVersion`
 * parameter, no bootstrap rule, no asset publishing): every file asset is a file of the release, which whoever
 * deploys uploads to a bucket of theirs, named by the parameters `CodeBucket` and `CodePrefix`.
 */
import { posix } from 'node:path';
import {
  CfnParameter,
  type DockerImageAssetLocation,
  type DockerImageAssetSource,
  type FileAssetLocation,
  FileAssetPackaging,
  type FileAssetSource,
  Fn,
  type ISynthesisSession,
  StackSynthesizer,
} from 'aws-cdk-lib';
import { AutoInstanceProfileError } from '../../core/errors.js';

/** The parameters every release template with code takes. */
export const CODE_PARAMETERS = { bucket: 'CodeBucket', prefix: 'CodePrefix' } as const;

/** A file of the release that a template refers to: where the CDK wrote it, and its name in the release. */
export interface ReleaseAsset {
  /** The asset's path in the cloud assembly (a directory, zipped by the release, or a file). */
  readonly source: FileAssetSource;
  /** Its file name in release/ and its key under `CodePrefix`. */
  readonly fileName: string;
}

/** The release's name of an asset: a directory's zip, or a stack template (the organization's member template). */
export function releaseFileName(asset: FileAssetSource): string {
  // The key the organization's code bucket gives it too (infra/org-code.ts): the member template finds it either way.
  if (asset.packaging === FileAssetPackaging.ZIP_DIRECTORY) return `${asset.sourceHash}.zip`;
  const name = posix.basename(asset.fileName ?? '');
  return name.endsWith('.template.json') ? 'member.template.json' : `${asset.sourceHash}${posix.extname(name)}`;
}

/** Every asset goes to `s3://CodeBucket/CodePrefix<release file name>`. */
export class ReleaseSynthesizer extends StackSynthesizer {
  /** The assets the template refers to, each once. */
  public readonly assets = new Map<string, ReleaseAsset>();
  private parameters: { bucket: CfnParameter; prefix: CfnParameter } | undefined;

  public addFileAsset(asset: FileAssetSource): FileAssetLocation {
    const fileName = releaseFileName(asset);
    this.assets.set(fileName, { source: asset, fileName });
    const { bucket, prefix } = this.codeParameters();
    const objectKey = Fn.join('', [prefix.valueAsString, fileName]);
    return {
      bucketName: bucket.valueAsString,
      objectKey,
      httpUrl: Fn.join('', [
        'https://s3.',
        this.boundStack.region,
        '.',
        this.boundStack.urlSuffix,
        '/',
        bucket.valueAsString,
        '/',
        objectKey,
      ]),
      s3ObjectUrl: Fn.join('', ['s3://', bucket.valueAsString, '/', objectKey]),
    };
  }

  public addDockerImageAsset(_asset: DockerImageAssetSource): DockerImageAssetLocation {
    throw new AutoInstanceProfileError('A release template cannot use Docker image assets');
  }

  public synthesize(session: ISynthesisSession): void {
    this.synthesizeTemplate(session);
    this.emitArtifact(session);
  }

  private codeParameters(): { bucket: CfnParameter; prefix: CfnParameter } {
    this.parameters ??= {
      bucket: new CfnParameter(this.boundStack, CODE_PARAMETERS.bucket, {
        type: 'String',
        allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
        description: "The S3 bucket, in this stack's region, that holds the release's files (aws s3 cp release/ …)",
      }),
      prefix: new CfnParameter(this.boundStack, CODE_PARAMETERS.prefix, {
        type: 'String',
        default: '',
        allowedPattern: '^([^/].*/)?$',
        description:
          "The key prefix of the release's files in CodeBucket, ending in / (e.g. auto-instance-profile/0.2.0/), or empty",
      }),
    };
    return this.parameters;
  }
}
