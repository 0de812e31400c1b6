/**
 * Whether the service is paused, from its remediator's event source mappings, and what `pause` or `resume` would
 * switch to get it there. Pure: `doctor`'s `event-sources` check and the two commands decide with it.
 *
 * The service runs while a mapping polls each of its two delivery queues; it is paused while none does (events wait
 * in the queues, nothing reaches the function, nothing changes in IAM). One polling and one not is neither: creates
 * wait while deletes are acted on, or the other way round.
 */
import type { Delivery } from '../../core/events.js';
import {
  type MappingFacts,
  type MappingSwitch,
  mappingSwitch,
  queueNameOfArn,
  queueNameOfUrl,
} from '../../core/lambda/event-source-mappings.js';

/** How the reports name each delivery queue. */
export const QUEUE_LABELS: Readonly<Record<Delivery, string>> = {
  settle: 'settle queue',
  immediate: 'delete queue',
};

/** The delivery queues, in the order the reports list them. */
export const DELIVERY_QUEUES: readonly Delivery[] = ['settle', 'immediate'];

/** The stack's delivery queues, by their URLs (its `QueueUrl` and `DeleteQueueUrl` outputs). */
export type DeliveryQueueUrls = Readonly<Record<Delivery, string>>;

/** One mapping of the function, with the delivery queue it reads: undefined for a queue that is not the stack's. */
export interface QueueMapping {
  readonly delivery: Delivery | undefined;
  readonly queueName: string;
  readonly mapping: MappingFacts;
  readonly switch: MappingSwitch;
}

/** The service's delivery, as its mappings have it. */
export type DeliveryState =
  /** A mapping polls each queue. */
  | { readonly kind: 'running' }
  /** No mapping polls: since the last of them was switched off (its LastModified), when Lambda says. */
  | { readonly kind: 'paused'; readonly since: Date | undefined }
  /** Some poll, some do not. */
  | {
      readonly kind: 'half-paused';
      readonly polling: readonly QueueMapping[];
      readonly stopped: readonly QueueMapping[];
    }
  /** A queue has no mapping, or a mapping is in neither state (being deleted): `why` says which. */
  | { readonly kind: 'broken'; readonly why: string };

/** The function's mappings by queue, and the state they make. */
export interface DeliveryView {
  readonly mappings: readonly QueueMapping[];
  /** The delivery queues no mapping reads. */
  readonly unread: readonly Delivery[];
  readonly state: DeliveryState;
}

/** Sorts the function's mappings onto the stack's queues (by queue name) and says what state they make. */
export function deliveryView(queues: DeliveryQueueUrls, mappings: readonly MappingFacts[]): DeliveryView {
  const byName = new Map(DELIVERY_QUEUES.map((delivery) => [queueNameOfUrl(queues[delivery]), delivery] as const));
  const sorted = mappings
    .map((mapping): QueueMapping => {
      const queueName = queueNameOfArn(mapping.eventSourceArn);
      return { delivery: byName.get(queueName), queueName, mapping, switch: mappingSwitch(mapping.state) };
    })
    .sort((a, b) => order(a) - order(b));
  const unread = DELIVERY_QUEUES.filter((delivery) => !sorted.some((entry) => entry.delivery === delivery));
  return { mappings: sorted, unread, state: stateOf(queues, sorted, unread) };
}

function order(entry: QueueMapping): number {
  return entry.delivery === undefined ? DELIVERY_QUEUES.length : DELIVERY_QUEUES.indexOf(entry.delivery);
}

function stateOf(queues: DeliveryQueueUrls, mappings: readonly QueueMapping[], unread: readonly Delivery[]) {
  const [missing] = unread;
  if (missing !== undefined) {
    return {
      kind: 'broken',
      why: `no event source mapping reads the ${QUEUE_LABELS[missing]} (${queueNameOfUrl(queues[missing])}): its events are never decided`,
    } as const;
  }
  const odd = mappings.find((entry) => entry.switch === 'other');
  if (odd !== undefined) {
    return {
      kind: 'broken',
      why: `the event source mapping of the ${labelOf(odd)} is ${odd.mapping.state}`,
    } as const;
  }
  const polling = mappings.filter((entry) => entry.switch === 'on');
  const stopped = mappings.filter((entry) => entry.switch === 'off');
  if (stopped.length === 0) return { kind: 'running' } as const;
  if (polling.length === 0) return { kind: 'paused', since: latest(stopped) } as const;
  return { kind: 'half-paused', polling, stopped } as const;
}

/** When the last of the mappings changed: the moment the service stopped reading its last queue. */
function latest(entries: readonly QueueMapping[]): Date | undefined {
  const times = entries.flatMap((entry) =>
    entry.mapping.lastModified === undefined ? [] : [entry.mapping.lastModified],
  );
  return times.length === 0 ? undefined : new Date(Math.max(...times.map((time) => time.getTime())));
}

/** How the reports name a mapping's queue: `settle queue`, `delete queue`, or `queue NAME` for another one. */
export function labelOf(entry: Pick<QueueMapping, 'delivery' | 'queueName'>): string {
  return entry.delivery === undefined ? `queue ${entry.queueName}` : QUEUE_LABELS[entry.delivery];
}

/** `pause` switches the mappings off, `resume` on. */
export type SwitchTarget = 'off' | 'on';

/** What `pause` or `resume` would do. */
export interface SwitchPlan {
  readonly target: SwitchTarget;
  /** The mappings to switch. */
  readonly toSwitch: readonly QueueMapping[];
  /** The mappings already as asked. */
  readonly already: readonly QueueMapping[];
  /** The mappings in neither state (being deleted): left alone, and the service is not as asked. */
  readonly blocked: readonly QueueMapping[];
  /** The delivery queues no mapping reads: `resume` cannot make them read. */
  readonly unread: readonly Delivery[];
}

/** Which of the function's mappings to switch: every one not yet as asked, the queues' and any other's alike. */
export function planSwitch(view: DeliveryView, target: SwitchTarget): SwitchPlan {
  return {
    target,
    toSwitch: view.mappings.filter((entry) => entry.switch !== 'other' && entry.switch !== target),
    already: view.mappings.filter((entry) => entry.switch === target),
    blocked: view.mappings.filter((entry) => entry.switch === 'other'),
    unread: view.unread,
  };
}

/**
 * Whether the service is as asked: paused, no mapping polls (a queue without one is not read either); running, a
 * mapping polls each queue and none is in neither state. A mapping on its way (Disabling, Enabling) counts as there.
 */
export function reached(view: DeliveryView, target: SwitchTarget): boolean {
  if (target === 'off') return view.mappings.every((entry) => entry.switch === 'off');
  return view.unread.length === 0 && view.mappings.every((entry) => entry.switch === 'on');
}
