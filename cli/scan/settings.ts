/**
 * What `scan` and `fix` decide with in one account, so that they decide as the deployed service would:
 * - the deployed stack's settings where the account has the stack, read from where the stack puts them (the
 *   remediator's environment: CloudFormation DescribeStacks for the stack's `FunctionName` output, then Lambda
 *   GetFunctionConfiguration), parsed by the functions' own reader (core/config.ts `loadConfig`); the defaults where
 *   it has none. `--exclude-path` replaces the excluded paths; a dry run is the service's, never the CLI's;
 * - who created each candidate, looked up in CloudTrail's event history as the reconcile pass does
 *   (core/created-by.ts), so that roles of an ignored caller (CloudFormation's, by default) get no profile and roles
 *   too young for the history are left to their own event. `--no-creator-lookup` skips it, and then says so.
 *
 * The stack and CloudTrail's IAM events live in the partition's IAM event region (us-east-1 for `aws`), whatever
 * region the command runs in.
 */
import { CloudFormationClient, CloudFormationServiceException } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, CloudTrailServiceException } from '@aws-sdk/client-cloudtrail';
import { GetFunctionConfigurationCommand, LambdaClient, LambdaServiceException } from '@aws-sdk/client-lambda';
import type { AwsCredentialIdentity } from '@smithy/types';
import { type Config, loadConfig } from '../../core/config.js';
import { type CreatorFinder, cloudTrailCreators } from '../../core/created-by.js';
import { AutoInstanceProfileError } from '../../core/errors.js';
import {
  OPTIONAL_STACK_OUTPUTS,
  STACK_NAME,
  STACK_OUTPUTS,
  STACK_SET_INSTANCE_PREFIX,
} from '../../core/pipeline-settings.js';
import { iamEventRegionFor } from '../../core/regions.js';
import { OPT_IN_TAG, SKIP_TAG } from '../../core/tags.js';
import type { AwsClientConfig } from '../aws.js';
import { isServiceStack, type StackFacts } from '../doctor/checks.js';
import { readStack, readStacksNamed } from '../doctor/probes.js';
import { AwsAccessError, asAwsAccessError, asServiceError, describeError } from '../errors.js';
import type { DeployedRecord } from '../ownership/deployed.js';

export { ACCOUNT_SETTINGS_PERMISSIONS } from '../../core/settings-permissions.js';

/** Where the settings came from: the stack (by name, with its remediator), or the defaults for want of one. */
export type SettingsSource =
  | { readonly from: 'stack'; readonly stack: string; readonly functionName: string; readonly region: string }
  | { readonly from: 'defaults'; readonly region: string };

/** What one account's scan and fix decide with. */
export interface AccountSettings {
  readonly config: Config;
  readonly source: SettingsSource;
  /** `--exclude-path` replaced the excluded paths. */
  readonly excludePathGiven: boolean;
  /** Who created each candidate, or undefined with `--no-creator-lookup`. */
  readonly creators?: CreatorFinder;
  /** Where the deployed stack's ownership record is (cli/ownership/deployed.ts); undefined without a stack. */
  readonly deployed?: DeployedRecord | undefined;
  /** Frees the CloudTrail client; call it when the account is done. */
  destroy(): void;
}

/** The settings as the `--json` documents give them. */
export interface SettingsView {
  readonly from: SettingsSource['from'];
  readonly stack?: string;
  readonly region: string;
  readonly excludedPathPrefixes: readonly string[];
  readonly ignoredCallers: readonly string[];
  readonly unknownCreator: Config['unknownCreator'];
  readonly instanceProfileQuotaPercent: number;
  readonly optOutTag: string;
  /** `opt-out`: every EC2 role but those opted out; `opt-in`: only those tagged {@link optInTag}`=true`. */
  readonly selection: Config['selection'];
  readonly optInTag: string;
  readonly creatorLookup: boolean;
}

/** What the command line says. */
export interface SettingsOptions {
  /** The CLI's own settings: the defaults with its retries (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS). */
  readonly cli: Config;
  /** `--exclude-path`, parsed and checked; undefined when not given. */
  readonly excludePaths?: readonly string[] | undefined;
  /** False with `--no-creator-lookup`. */
  readonly creatorLookup: boolean;
  /** The scan's time, for the event history's window. @default now */
  readonly now?: Date;
}

/** The stack's settings could not be read, or CloudTrail could not say who created the roles. */
export class AccountSettingsError extends AutoInstanceProfileError {
  override name = 'AccountSettingsError';
}

/** The clients' settings in one account: its region and, for a member account, its credentials. */
export type AccountClientConfig = AwsClientConfig & { readonly credentials?: AwsCredentialIdentity };

/**
 * Reads the account's settings and prepares the creators' lookup. Errors are the SDK's own, or an
 * {@link AccountSettingsError} (several stacks, a setting the functions would refuse): the caller words them.
 */
export async function readAccountSettings(
  clientConfig: AccountClientConfig,
  options: SettingsOptions,
): Promise<AccountSettings> {
  const region = iamEventRegionFor(clientConfig.region) ?? clientConfig.region;
  const config = { ...clientConfig, region };
  const deployed = await readDeployedSettings(config);
  const base: Config = deployed === undefined ? options.cli : deployed.config;
  const settings: Config = {
    ...base,
    iamRetry: options.cli.iamRetry,
    dryRun: false,
    ...(options.excludePaths === undefined ? {} : { excludedPathPrefixes: options.excludePaths }),
  };
  const source: SettingsSource =
    deployed === undefined
      ? { from: 'defaults', region }
      : { from: 'stack', stack: deployed.stack, functionName: deployed.functionName, region };
  const record: DeployedRecord | undefined =
    deployed === undefined
      ? undefined
      : {
          stack: deployed.stack,
          region,
          tableName: outputOf(deployed.outputs, STACK_OUTPUTS.ownershipTableName),
          operatorRoleArn: outputOf(deployed.outputs, OPTIONAL_STACK_OUTPUTS.operatorRoleArn),
          reconcileFunctionName: outputOf(deployed.outputs, STACK_OUTPUTS.reconcileFunctionName),
        };
  const cloudtrail = options.creatorLookup ? new CloudTrailClient(config) : undefined;
  return {
    config: settings,
    source,
    excludePathGiven: options.excludePaths !== undefined,
    deployed: record,
    ...(cloudtrail === undefined
      ? {}
      : { creators: explained(cloudTrailCreators(cloudtrail, { now: options.now ?? new Date() }), region) }),
    destroy: () => cloudtrail?.destroy(),
  };
}

/**
 * The deployed stack's settings: the stack named {@link STACK_NAME}, else the one stack of an organization's StackSet
 * (`StackSet-…`), each recognised by its outputs as doctor does; undefined when the account has neither.
 */
export async function readDeployedSettings(clientConfig: AccountClientConfig): Promise<
  | {
      readonly stack: string;
      readonly functionName: string;
      readonly config: Config;
      readonly outputs: Readonly<Record<string, string>>;
    }
  | undefined
> {
  const cloudformation = new CloudFormationClient(clientConfig);
  const lambda = new LambdaClient(clientConfig);
  try {
    const stack = await findServiceStack(cloudformation, clientConfig.region);
    if (stack === undefined) return undefined;
    const functionName = stack.outputs[STACK_OUTPUTS.functionName] ?? '';
    const answer = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    try {
      return {
        stack: stack.name,
        functionName,
        config: loadConfig(answer.Environment?.Variables ?? {}),
        outputs: stack.outputs,
      };
    } catch (error) {
      throw new AccountSettingsError(
        `the settings of stack ${stack.name} (function ${functionName}) are not ones the service accepts: ${describeError(error)}`,
        { cause: error },
      );
    }
  } finally {
    cloudformation.destroy();
    lambda.destroy();
  }
}

/**
 * The service's stack in the client's region: the stack named {@link STACK_NAME}, else the one stack of an
 * organization's StackSet (`StackSet-…`), each recognised by its outputs as doctor does; undefined when there is
 * neither. Several StackSet stacks are an {@link AccountSettingsError}: which one is the service cannot be told.
 */
export async function findServiceStack(
  cloudformation: CloudFormationClient,
  region: string,
): Promise<StackFacts | undefined> {
  const named = await readStack(cloudformation, STACK_NAME);
  const candidates =
    named !== undefined && isServiceStack(named)
      ? [named]
      : (await readStacksNamed(cloudformation, STACK_SET_INSTANCE_PREFIX)).filter(isServiceStack);
  if (candidates.length > 1) {
    throw new AccountSettingsError(
      `${candidates.length} stacks hold the service in ${region} (${candidates.map((s) => s.name).join(', ')}): ` +
        'its settings cannot be told; remove the extra one',
    );
  }
  return candidates[0];
}

/** A finder whose failures say which call failed and how to go without it. */
function explained(finder: CreatorFinder, region: string): CreatorFinder {
  return {
    get calls() {
      return finder.calls;
    },
    async find(roles) {
      try {
        return await finder.find(roles);
      } catch (error) {
        throw new AccountSettingsError(
          `who created the roles could not be looked up in CloudTrail's event history in ${region} ` +
            `(${describeError(error)}); pass --no-creator-lookup to go without`,
          { cause: error },
        );
      }
    },
  };
}

/**
 * The error a single-account command reports for a failure of these reads: an access problem or a service's error as
 * one line, exit code 255, as for IAM ({@link asServiceError}); an {@link AccountSettingsError} as it is.
 */
export function asSettingsError(error: unknown): unknown {
  if (error instanceof AccountSettingsError) {
    const { cause } = error;
    const failedCall = cause instanceof CloudTrailServiceException || asAwsAccessError(cause, 'LookupEvents');
    return failedCall ? new AwsAccessError(error.message, { cause }) : error;
  }
  for (const [service, exception] of [
    ['CloudFormation', CloudFormationServiceException],
    ['Lambda', LambdaServiceException],
  ] as const) {
    const worded = asServiceError(error, service, exception);
    if (worded !== error) return worded;
  }
  return error;
}

/** The settings for a `--json` document. */
export function settingsView(settings: AccountSettings): SettingsView {
  const { config, source } = settings;
  return {
    from: source.from,
    ...(source.from === 'stack' ? { stack: source.stack } : {}),
    region: source.region,
    excludedPathPrefixes: config.excludedPathPrefixes,
    ignoredCallers: config.ignoredCallers,
    unknownCreator: config.unknownCreator,
    instanceProfileQuotaPercent: config.instanceProfileQuotaPercent,
    optOutTag: SKIP_TAG,
    selection: config.selection,
    optInTag: OPT_IN_TAG,
    creatorLookup: settings.creators !== undefined,
  };
}

/**
 * Two lines for the text report, saying which settings the pass used and whether it asked who created the roles:
 * `settings: stack AutoInstanceProfile (us-east-1): excluded paths /aws-service-role/; ignored callers …`.
 */
export function describeSettings(view: SettingsView, excludePathGiven = false): string[] {
  const where =
    view.from === 'stack'
      ? `stack ${view.stack} (${view.region})`
      : `the defaults (no ${STACK_NAME} stack, nor a StackSet's, in ${view.region})`;
  const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));
  return [
    `settings: ${where}: excluded paths ${list(view.excludedPathPrefixes)}${excludePathGiven ? ' (--exclude-path)' : ''}; ` +
      `ignored callers ${list(view.ignoredCallers)}; unknown creator ${view.unknownCreator}; opt-out tag ${view.optOutTag}=true` +
      (view.selection === 'opt-in' ? `; selection opt-in: only roles tagged ${view.optInTag}=true` : ''),
    view.creatorLookup
      ? `creators: looked up in CloudTrail's event history (${view.region})`
      : 'creators: not looked up (--no-creator-lookup): ignored callers and the unknown creator setting do not apply',
  ];
}

/** `--no-creator-lookup`, for the commands that scan. */
export const CREATOR_LOOKUP_OPTION = { 'no-creator-lookup': { type: 'boolean', default: false } } as const;

/** The help row of {@link CREATOR_LOOKUP_OPTION}. */
export const CREATOR_LOOKUP_ROW: readonly [string, string] = [
  '--no-creator-lookup',
  "do not ask CloudTrail's event history who created each candidate (then ignored callers and the unknown creator setting do not apply)",
];

/**
 * The settings of the session's own account, for a single-account command: as {@link readAccountSettings}, with its
 * failures worded as the command reports them ({@link asSettingsError}).
 */
export async function openAccountSettings(
  clientConfig: AccountClientConfig,
  values: { readonly 'exclude-path'?: readonly string[] | undefined; readonly 'no-creator-lookup': boolean },
  cli: Config,
): Promise<AccountSettings> {
  try {
    return await readAccountSettings(clientConfig, {
      cli,
      excludePaths: values['exclude-path'] === undefined ? undefined : cli.excludedPathPrefixes,
      creatorLookup: !values['no-creator-lookup'],
    });
  } catch (error) {
    throw asSettingsError(error);
  }
}

/** A stack output's value, or undefined when it is missing or blank (a stack of an earlier version). */
function outputOf(outputs: Readonly<Record<string, string>>, key: string): string | undefined {
  const value = outputs[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
