/**
 * The remediator's event source mappings: Lambda's pollers of its two SQS queues, one mapping per queue. Switching
 * them off is how the service pauses: Lambda stops receiving from the queues, their events wait there (each queue
 * keeps them `QUEUE_RETENTION_DAYS`), and nothing reaches the function, so nothing changes in IAM; switching them on
 * again resumes, and every event that waited is decided then, on IAM's state then. Read by `pause`, `resume` and
 * `doctor`, and by the sandbox's pollers, which follow them as Lambda does.
 */
import {
  type EventSourceMappingConfiguration,
  type LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';

/** What reading the mappings calls: ListEventSourceMappings, which has no resource type (`*`). */
export const EVENT_SOURCE_READ_PERMISSIONS = ['lambda:ListEventSourceMappings'] as const;

/**
 * What switching a mapping calls: UpdateEventSourceMapping, on the mapping's ARN (`event-source-mapping:UUID`), which
 * a policy may narrow to the mappings of given functions with the `lambda:FunctionArn` condition key.
 */
export const EVENT_SOURCE_WRITE_PERMISSIONS = ['lambda:UpdateEventSourceMapping'] as const;

/** One mapping, as read. */
export interface MappingFacts {
  readonly uuid: string;
  /** The queue's ARN. */
  readonly eventSourceArn: string;
  /** Lambda's word: Creating, Enabling, Enabled, Disabling, Disabled, Updating or Deleting. */
  readonly state: string;
  /** When the mapping last changed: for one switched off, when it was. */
  readonly lastModified?: Date | undefined;
  /** `User initiated` or `Lambda initiated`, the cause of its last change of state. */
  readonly stateTransitionReason?: string | undefined;
}

/**
 * Whether a mapping's state has Lambda poll its queue (`on`: Enabled, or on its way there: Creating, Enabling; or
 * Updating, which only changes its settings), not poll it (`off`: Disabled, Disabling), or neither (`other`: being
 * deleted, or a state this version does not know).
 */
export type MappingSwitch = 'on' | 'off' | 'other';

const SWITCHES: Readonly<Record<string, MappingSwitch>> = {
  Creating: 'on',
  Enabling: 'on',
  Enabled: 'on',
  Updating: 'on',
  Disabling: 'off',
  Disabled: 'off',
};

/** Where a mapping's state puts it. */
export function mappingSwitch(state: string): MappingSwitch {
  return SWITCHES[state] ?? 'other';
}

/** The state a switch settles in: Enabled, Disabled. */
export function settledState(target: 'on' | 'off'): string {
  return target === 'on' ? 'Enabled' : 'Disabled';
}

/** The name of the queue an SQS ARN names (`arn:aws:sqs:us-east-1:123456789012:name` → `name`). */
export function queueNameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** The name of the queue a queue URL names (`https://sqs.us-east-1.amazonaws.com/123456789012/name` → `name`). */
export function queueNameOfUrl(url: string): string {
  const path = url.replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Every event source mapping of the function (by its name or ARN), page by page. */
export async function readMappings(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<MappingFacts[]> {
  const mappings: MappingFacts[] = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: functionName, Marker: marker }),
      options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal },
    );
    mappings.push(...(page.EventSourceMappings ?? []).flatMap(facts));
    marker = page.NextMarker;
  } while (marker !== undefined && marker !== '');
  return mappings;
}

/** Switches one mapping on or off; its state as Lambda answers (Enabling, Disabling, or already settled). */
export async function switchMapping(
  lambda: Pick<LambdaClient, 'send'>,
  uuid: string,
  target: 'on' | 'off',
): Promise<MappingFacts | undefined> {
  const answer = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: target === 'on' }));
  return facts(answer)[0];
}

function facts(mapping: EventSourceMappingConfiguration): MappingFacts[] {
  if (mapping.UUID === undefined || mapping.EventSourceArn === undefined) return [];
  return [
    {
      uuid: mapping.UUID,
      eventSourceArn: mapping.EventSourceArn,
      state: mapping.State ?? 'unknown',
      lastModified: mapping.LastModified,
      stateTransitionReason: mapping.StateTransitionReason,
    },
  ];
}
