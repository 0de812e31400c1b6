/**
 * The remediator as a deploy leaves it in Lambda, recorded in moto for the sandbox and the tests: its role (on the
 * service's IAM path), the function with the settings environment the stack gives it (`scan` and `fix` read it), and
 * one event source mapping per delivery queue with the stack's settings. The function's code is a stand-in: the
 * emulator runs dist/remediator/index.mjs itself, through its pollers (emulator/poller.ts), which follow these
 * mappings as Lambda does, so that `auto-instance-profile pause` and `resume` work on the sandbox as on an account.
 * moto itself never hands the queues' messages to the function (emulator/moto.ts).
 */
import { CreateRoleCommand, EntityAlreadyExistsException, GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { mappingSwitch, readMappings } from '../core/lambda/event-source-mappings.js';
import { BATCH_SIZE, SERVICE_ROLE_PATH } from '../core/pipeline-settings.js';
import { SETTINGS } from '../core/settings.js';
import { EmulatorError } from './errors.js';
import type { EventSourceQueue } from './poller.js';

/** The stand-in's one file: a handler that says where the real one runs, should anything invoke it. */
const STAND_IN_SOURCE = `// The emulator runs dist/remediator/index.mjs itself, through its pollers; this stand-in only marks the function.
export const handler = async () => {
  throw new Error('the emulator runs dist/remediator/index.mjs itself; this function is a stand-in');
};
`;

/** What to record. */
export interface RemediatorSpec {
  /** The function's name, which the stack's `FunctionName` output names; its role gets the same name. */
  readonly functionName: string;
  /** The function's environment: the service's settings, as the stack sets them (no credentials, no endpoints). */
  readonly environment: Readonly<Record<string, string>>;
  /** The delivery queues, each read through a mapping of its own. */
  readonly queues: readonly EventSourceQueue[];
  /** @default SETTINGS.maxConcurrency.default */
  readonly maxConcurrency?: number;
}

/** What was recorded. */
export interface RecordedRemediator {
  readonly functionName: string;
  readonly functionArn: string;
  readonly roleArn: string;
  /** Each queue's mapping, by the queue's ARN. */
  readonly mappings: ReadonlyMap<string, string>;
}

/** Records the remediator, its role and its mappings (all switched on, as a deploy leaves them). */
export async function recordRemediator(
  clients: { readonly iam: IAMClient; readonly lambda: LambdaClient },
  spec: RemediatorSpec,
): Promise<RecordedRemediator> {
  const roleArn = await functionRole(clients.iam, spec.functionName);
  const created = await clients.lambda.send(
    new CreateFunctionCommand({
      FunctionName: spec.functionName,
      Runtime: 'nodejs22.x',
      Role: roleArn,
      Handler: 'index.handler',
      Description: 'auto-instance-profile, emulated: a stand-in; the emulator runs dist/remediator/index.mjs itself',
      Code: { ZipFile: storedZip('index.mjs', STAND_IN_SOURCE) },
      Environment: { Variables: { ...spec.environment } },
    }),
  );
  if (created.FunctionArn === undefined) throw new EmulatorError(`CreateFunction ${spec.functionName} returned no ARN`);
  const mappings = new Map<string, string>();
  for (const queue of spec.queues) {
    const mapping = await clients.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: spec.functionName,
        EventSourceArn: queue.queueArn,
        BatchSize: BATCH_SIZE,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: spec.maxConcurrency ?? SETTINGS.maxConcurrency.default },
        Enabled: true,
      }),
    );
    if (mapping.UUID === undefined)
      throw new EmulatorError(`CreateEventSourceMapping ${queue.queueArn} returned no UUID`);
    mappings.set(queue.queueArn, mapping.UUID);
  }
  return { functionName: spec.functionName, functionArn: created.FunctionArn, roleArn, mappings };
}

/**
 * Whether the function's mapping of a queue is switched on now, as its poller asks before each receive
 * (ListEventSourceMappings). A queue without a mapping is not read, as in Lambda.
 */
export function mappingReader(
  lambda: LambdaClient,
  functionName: string,
): (queueArn: string, signal: AbortSignal) => Promise<boolean> {
  return async (queueArn, signal) => {
    const mappings = await readMappings(lambda, functionName, { abortSignal: signal });
    const mapping = mappings.find((candidate) => candidate.eventSourceArn === queueArn);
    return mapping !== undefined && mappingSwitch(mapping.state) === 'on';
  };
}

/** The function's role, trusted by Lambda, on the service's path: made, or the one of that name already there. */
async function functionRole(iam: IAMClient, name: string): Promise<string> {
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  try {
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: name, Path: SERVICE_ROLE_PATH, AssumeRolePolicyDocument: trust }),
    );
    if (Role?.Arn !== undefined) return Role.Arn;
  } catch (error) {
    if (!(error instanceof EntityAlreadyExistsException)) throw error;
  }
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: name }));
  if (Role?.Arn === undefined) throw new EmulatorError(`role ${name} has no ARN`);
  return Role.Arn;
}

/** CRC-32 (IEEE), as a zip's headers hold it. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive of one file, stored (not compressed): what CreateFunction takes as `ZipFile`. */
export function storedZip(name: string, content: string): Uint8Array {
  const data = new TextEncoder().encode(content);
  const fileName = new TextEncoder().encode(name);
  const crc = crc32(data);
  const DOS_DATE_1980_01_01 = 0x21;
  const local = new DataView(new ArrayBuffer(30));
  local.setUint32(0, 0x04034b50, true);
  local.setUint16(4, 20, true);
  local.setUint16(12, DOS_DATE_1980_01_01, true);
  local.setUint32(14, crc, true);
  local.setUint32(18, data.length, true);
  local.setUint32(22, data.length, true);
  local.setUint16(26, fileName.length, true);
  const central = new DataView(new ArrayBuffer(46));
  central.setUint32(0, 0x02014b50, true);
  central.setUint16(4, 20, true);
  central.setUint16(6, 20, true);
  central.setUint16(14, DOS_DATE_1980_01_01, true);
  central.setUint32(16, crc, true);
  central.setUint32(20, data.length, true);
  central.setUint32(24, data.length, true);
  central.setUint16(28, fileName.length, true);
  const centralOffset = 30 + fileName.length + data.length;
  const centralSize = 46 + fileName.length;
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, 1, true);
  end.setUint16(10, 1, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, centralOffset, true);
  const parts = [local, fileName, data, central, fileName, end].map((part) =>
    part instanceof DataView ? new Uint8Array(part.buffer) : part,
  );
  const zip = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    zip.set(part, offset);
    offset += part.length;
  }
  return zip;
}
