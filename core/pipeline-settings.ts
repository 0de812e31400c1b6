/**
 * Settings of the delivery pipeline (EventBridge → SQS → Lambda) that more than one part relies on:
 * the stack deploys them, the local sandbox reproduces them, and the CLI's doctor looks them up.
 */

/** The CloudFormation stack's name. */
export const STACK_NAME = 'AutoInstanceProfile';

/** The organization stack's name: the StackSet that puts the service into every member account. */
export const ORG_STACK_NAME = 'AutoInstanceProfileOrg';

/** The StackSet's default name. */
export const STACK_SET_NAME = 'AutoInstanceProfile';

/**
 * How CloudFormation names the stack a StackSet creates in an account: `StackSet-<stack set name>-<uuid>`.
 * The doctor looks for stacks with this prefix when the account has no stack named {@link STACK_NAME}.
 * The organization's tag guard exempts the roles of those stacks by it (CloudFormation names them after the stack).
 */
export const STACK_SET_INSTANCE_PREFIX = 'StackSet-';

/**
 * The IAM path of the service's own roles (its functions', the operator's). The organization's tag guard exempts
 * exactly this path, never a name prefix anyone could create, and denies creating or changing roles on it to
 * every principal but the StackSet's execution role; CloudTrail's record of a call made by a role on this path is
 * the service's own.
 */
export const SERVICE_ROLE_PATH = '/auto-instance-profile/';

/** Stack output keys, so that tools can find the deployed pieces without guessing physical names. */
export const STACK_OUTPUTS = outputKeys([
  'ruleName',
  'queueUrl',
  'deleteRuleName',
  'deleteQueueUrl',
  'deadLetterQueueUrl',
  'functionName',
  'reconcileFunctionName',
  'ownershipTableName',
]);

/**
 * Stack output keys that a stack may lack: `OperatorRoleArn` exists only with `operatorPrincipals`;
 * `FunctionLogGroupName` (the remediator's log group, which `decisions` reads) only in stacks deployed since the
 * output came (for older ones, `decisions` asks the function). Tools may read them; `doctor` does not require them,
 * as it does {@link STACK_OUTPUTS}.
 */
export const OPTIONAL_STACK_OUTPUTS = outputKeys(['operatorRoleArn', 'functionLogGroupName']);

/** The organization stack's output keys: the infra writes them, `doctor --org` reads them. */
export const ORG_STACK_OUTPUTS = outputKeys([
  'stackSetName',
  'callAs',
  'deploymentTargets',
  'organizationId',
  'alarmTopicArn',
  'codeBucketName',
]);

/** Receives before SQS moves a message to the DLQ. */
export const MAX_RECEIVE_COUNT = 5;
/** How long the DLQ keeps a message: SQS's maximum, so there is time to look. */
export const DLQ_RETENTION_DAYS = 14;
/**
 * How long each delivery queue keeps an event: SQS's maximum (its default is 4 days), so that a pause
 * (`auto-instance-profile pause`) can last two weeks without losing one. Counted from when the event was sent.
 */
export const QUEUE_RETENTION_DAYS = 14;
/** Records per Lambda invocation: an SQS batch's most, and so the most records of one processed at once. */
export const BATCH_SIZE = 10;
/** The function's timeout. */
export const FUNCTION_TIMEOUT_SECONDS = 30;
/** The queue's visibility timeout: AWS recommends at least six times the function's timeout. */
export const VISIBILITY_TIMEOUT_SECONDS = 6 * FUNCTION_TIMEOUT_SECONDS;

/** The region whose default event bus receives IAM's CloudTrail events, per partition. */
export const IAM_EVENT_REGION: Readonly<Record<string, string>> = {
  aws: 'us-east-1',
  'aws-cn': 'cn-north-1',
  'aws-us-gov': 'us-gov-west-1',
};

/** An output's key is its name capitalized (`queueUrl` → `QueueUrl`): the table of names, to the keys. */
function outputKeys<const Name extends string>(names: readonly Name[]): { readonly [N in Name]: Capitalize<N> } {
  return Object.fromEntries(names.map((name) => [name, name.charAt(0).toUpperCase() + name.slice(1)])) as {
    readonly [N in Name]: Capitalize<N>;
  };
}
