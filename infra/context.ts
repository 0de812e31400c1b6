/**
 * The construct's props as CDK context, so the deployed app is configured without editing code:
 * `npm run deploy -- -c settleDelaySeconds=60 -c ignoredCallers=cloudformation.amazonaws.com`,
 * or the same keys under "context" in cdk.json. Values from `-c` arrive as strings; values from
 * cdk.json keep their JSON type. Both are accepted.
 */
import { Duration } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct, Node } from 'constructs';
import { parseCommaList } from '../core/config.js';
import type { AutoInstanceProfileProps } from './props.js';

/** The context keys, one per prop. */
export const CONTEXT_KEYS = {
  settleDelaySeconds: 'settleDelaySeconds',
  maxConcurrency: 'maxConcurrency',
  logRetentionDays: 'logRetentionDays',
  dryRun: 'dryRun',
  excludedPathPrefixes: 'excludedPathPrefixes',
  ignoredCallers: 'ignoredCallers',
  alarmTopicArn: 'alarmTopicArn',
  createTrail: 'createTrail',
  reconcileSchedule: 'reconcileSchedule',
  reconcileAfterDeploy: 'reconcileAfterDeploy',
} as const;

/**
 * Reads the props from `scope`'s context. A key that is not set stays undefined, so the construct's
 * default applies. The construct validates the values; this only converts them and rejects what
 * cannot be converted.
 */
export function propsFromContext(scope: Construct): AutoInstanceProfileProps {
  const node = scope.node;
  const settleDelaySeconds = readNumber(node, CONTEXT_KEYS.settleDelaySeconds);
  const logRetentionDays = readNumber(node, CONTEXT_KEYS.logRetentionDays);
  const alarmTopicArn = readString(node, CONTEXT_KEYS.alarmTopicArn);
  return {
    settleDelay: settleDelaySeconds === undefined ? undefined : Duration.seconds(settleDelaySeconds),
    maxConcurrency: readNumber(node, CONTEXT_KEYS.maxConcurrency),
    logRetention: logRetentionDays,
    dryRun: readBoolean(node, CONTEXT_KEYS.dryRun),
    excludedPathPrefixes: readList(node, CONTEXT_KEYS.excludedPathPrefixes),
    ignoredCallers: readList(node, CONTEXT_KEYS.ignoredCallers),
    alarmTopic:
      alarmTopicArn === undefined ? undefined : Topic.fromTopicArn(scope, 'AlarmTopicFromContext', alarmTopicArn),
    createTrail: readBoolean(node, CONTEXT_KEYS.createTrail),
    reconcileSchedule: readSchedule(node, CONTEXT_KEYS.reconcileSchedule),
    reconcileAfterDeploy: readBoolean(node, CONTEXT_KEYS.reconcileAfterDeploy),
  };
}

/** `disabled`, or a schedule expression as EventBridge Scheduler takes it: `rate(12 hours)`, `cron(0 3 * * ? *)`. */
function readSchedule(node: Node, key: string): ScheduleExpression | 'disabled' | undefined {
  const raw = readString(node, key);
  if (raw === undefined || raw === 'disabled') return raw;
  return ScheduleExpression.expression(raw);
}

function readNumber(node: Node, key: string): number | undefined {
  const raw = node.tryGetContext(key) as unknown;
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || Number.isNaN(value)) throw contextError(key, raw, 'a number');
  return value;
}

function readBoolean(node: Node, key: string): boolean | undefined {
  const raw = node.tryGetContext(key) as unknown;
  if (raw === undefined || typeof raw === 'boolean') return raw;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw contextError(key, raw, 'true or false');
}

function readString(node: Node, key: string): string | undefined {
  const raw = node.tryGetContext(key) as unknown;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim() === '') throw contextError(key, raw, 'a non-empty string');
  return raw.trim();
}

/** A JSON array of strings, or a comma-separated string; `""` is the empty list. */
function readList(node: Node, key: string): readonly string[] | undefined {
  const raw = node.tryGetContext(key) as unknown;
  if (raw === undefined) return undefined;
  if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return raw;
  if (typeof raw !== 'string') throw contextError(key, raw, 'a comma-separated string or a JSON array of strings');
  return parseCommaList(raw);
}

function contextError(key: string, raw: unknown, expected: string): Error {
  return new Error(`Context value ${key} must be ${expected}, got ${JSON.stringify(raw)}`);
}
