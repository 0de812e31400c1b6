/**
 * Who may put messages on each queue and who may take them off: one table, {@link QUEUE_ACCESS}, from which
 * each queue's resource policy gets two Denies:
 * - of `sqs:SendMessage` (which also covers SendMessageBatch) to every sender but the queue's own: a delete signal
 *   is only real if CloudTrail's event came through our rule, so an identity policy that allows `sqs:SendMessage`
 *   in the account (an admin's `*`) no longer lets anyone forge one;
 * - of {@link RECEIVE_ACTIONS} to every principal but the queue's receivers: a message is the function's to take,
 *   so nobody else can read a record off the queue, hold it back (its visibility) or delete it before the function
 *   sees it; on the dead-letter queue, only the operator role, which moves dead letters back.
 */

import type { IRule } from 'aws-cdk-lib/aws-events';
import { Effect, type IRole, PolicyStatement, StarPrincipal } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/** The service's queues. */
export type ServiceQueue = 'settle' | 'immediate' | 'deadLetter';

/** The service's EventBridge rules, by delivery path. */
export type ServiceRule = 'settle' | 'immediate';

/**
 * Roles of the stack that use the queues: the remediator function's, the reconcile function's, and the operator
 * role (only with the setting `operatorPrincipals`).
 */
export type QueueRole = 'remediator' | 'reconcile' | 'operator';

/** Who may use one queue. */
export interface QueueAccess {
  /** Who may send: EventBridge for these rules (by `aws:SourceArn`), and these roles (by `aws:PrincipalArn`). */
  readonly senders: { readonly rules: readonly ServiceRule[]; readonly roles: readonly QueueRole[] };
  /** The only roles that may receive, change the visibility of, or delete its messages (by `aws:PrincipalArn`). */
  readonly receivers: readonly QueueRole[];
}

/** What receiving takes: a message read, held back, or deleted before its consumer sees it is a record lost or forged. */
export const RECEIVE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'] as const;

/**
 * Every queue's senders and receivers. The settle queue also takes the reconcile pass's messages and the operator
 * role's (StartMessageMoveTask sends as the principal that started it); the dead-letter queue takes both rules'
 * undeliverable events. SQS's own move of a message to the dead-letter queue after too many receives is neither a
 * SendMessage nor a receive by a principal. The function's event source mappings receive as the function's role.
 */
export const QUEUE_ACCESS: Readonly<Record<ServiceQueue, QueueAccess>> = {
  settle: { senders: { rules: ['settle'], roles: ['reconcile', 'operator'] }, receivers: ['remediator'] },
  immediate: { senders: { rules: ['immediate'], roles: [] }, receivers: ['remediator'] },
  deadLetter: { senders: { rules: ['settle', 'immediate'], roles: [] }, receivers: ['operator'] },
};

/**
 * What the operator role (only with `operatorPrincipals`) is granted on the queues: on the dead-letter queue, moving
 * its messages back to their source (StartMessageMoveTask, and listing and cancelling such moves), reading and deleting
 * them; on the settle queue, sending (StartMessageMoveTask sends as the principal that started it). What
 * {@link QUEUE_ACCESS} admits it to is the most it could be granted.
 */
export const OPERATOR_QUEUE_ACTIONS: Readonly<Record<'deadLetter' | 'settle', readonly string[]>> = {
  deadLetter: [
    'sqs:StartMessageMoveTask',
    'sqs:ListMessageMoveTasks',
    'sqs:CancelMessageMoveTask',
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
  ],
  settle: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
};

/**
 * Adds to each queue's policy the Denies of {@link QUEUE_ACCESS}. A role the stack does not have (the operator role
 * without `operatorPrincipals`) is left out, so a queue whose receivers are all absent (the dead-letter queue) is
 * received from by no one. The sender Deny negates both keys, so a request without `aws:SourceArn` (a role's) is
 * judged by its principal, and one from EventBridge (a service principal) by its rule.
 */
export function restrictQueueAccess(
  queues: Readonly<Record<ServiceQueue, IQueue>>,
  rules: Readonly<Record<ServiceRule, IRule>>,
  roles: Readonly<Record<QueueRole, IRole | undefined>>,
): void {
  const arns = (names: readonly QueueRole[]) =>
    names.flatMap((name) => {
      const role = roles[name];
      return role === undefined ? [] : [role.roleArn];
    });
  for (const [name, access] of Object.entries(QUEUE_ACCESS) as [ServiceQueue, QueueAccess][]) {
    const queue = queues[name];
    const senders = arns(access.senders.roles);
    queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyOwnSenders',
        effect: Effect.DENY,
        principals: [new StarPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: {
          ArnNotEquals: {
            'aws:SourceArn': access.senders.rules.map((rule) => rules[rule].ruleArn),
            ...(senders.length === 0 ? {} : { 'aws:PrincipalArn': senders }),
          },
        },
      }),
    );
    const receivers = arns(access.receivers);
    queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyOwnReceivers',
        effect: Effect.DENY,
        principals: [new StarPrincipal()],
        actions: [...RECEIVE_ACTIONS],
        resources: [queue.queueArn],
        ...(receivers.length === 0 ? {} : { conditions: { ArnNotEquals: { 'aws:PrincipalArn': receivers } } }),
      }),
    );
  }
}
