/**
 * Who may put messages on each queue: one table, {@link QUEUE_SENDERS}, from which each queue's resource
 * policy gets a Deny of `sqs:SendMessage` (which also covers SendMessageBatch) for every other sender. A
 * delete signal is only real if CloudTrail's event came through our rule: an identity policy that allows
 * `sqs:SendMessage` in the account (an admin's `*`) no longer lets anyone forge one.
 */

import type { IRule } from 'aws-cdk-lib/aws-events';
import { Effect, type IRole, PolicyStatement, StarPrincipal } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/** The service's queues. */
export type ServiceQueue = 'settle' | 'immediate' | 'deadLetter';

/** The service's EventBridge rules, by delivery path. */
export type ServiceRule = 'settle' | 'immediate';

/** Roles of the stack that may send. */
export type SendingRole = 'reconcile' | 'redrive';

/** The senders a queue accepts: EventBridge for these rules (by `aws:SourceArn`), and these roles (by `aws:PrincipalArn`). */
export interface QueueSenders {
  readonly rules: readonly ServiceRule[];
  readonly roles: readonly SendingRole[];
}

/**
 * Every queue's senders. The settle queue also takes the reconcile pass's messages and the redrive role's
 * (StartMessageMoveTask sends as the principal that started it); the dead-letter queue takes both rules'
 * undeliverable events. SQS's own move of a message after too many receives is not a SendMessage call.
 */
export const QUEUE_SENDERS: Readonly<Record<ServiceQueue, QueueSenders>> = {
  settle: { rules: ['settle'], roles: ['reconcile', 'redrive'] },
  immediate: { rules: ['immediate'], roles: [] },
  deadLetter: { rules: ['settle', 'immediate'], roles: [] },
};

/**
 * Adds to each queue's policy a Deny of `sqs:SendMessage` to every principal whose request is neither from one
 * of its rules nor made by one of its roles. Both keys are negated, so a request without `aws:SourceArn` (a
 * role's) is judged by its principal, and one from EventBridge (a service principal) by its rule.
 */
export function denyOtherSenders(
  queues: Readonly<Record<ServiceQueue, IQueue>>,
  rules: Readonly<Record<ServiceRule, IRule>>,
  roles: Readonly<Record<SendingRole, IRole>>,
): void {
  for (const [name, senders] of Object.entries(QUEUE_SENDERS) as [ServiceQueue, QueueSenders][]) {
    queues[name].addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyOwnSenders',
        effect: Effect.DENY,
        principals: [new StarPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [queues[name].queueArn],
        conditions: {
          ArnNotEquals: {
            'aws:SourceArn': senders.rules.map((rule) => rules[rule].ruleArn),
            ...(senders.roles.length === 0
              ? {}
              : { 'aws:PrincipalArn': senders.roles.map((role) => roles[role].roleArn) }),
          },
        },
      }),
    );
  }
}
