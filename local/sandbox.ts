/**
 * `npm start`: the whole pipeline on this machine, with no AWS account. moto emulates IAM, EventBridge and
 * SQS; the front door simulates CloudTrail; the rules' patterns, the queue settings (a settle queue and a
 * delete queue without delay) and the remediator bundle are the project's own. The stack and a trail are
 * recorded in moto as a deploy leaves them, so that `doctor` finds them. Plays the user's scenario with the
 * AWS CLI over a role's life, then keeps running until Ctrl-C, or stops with `--once`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { CliIo } from '../cli/command.js';
import { describeError } from '../cli/errors.js';
import { EXIT } from '../cli/exit-codes.js';
import { createStyle, shouldColor } from '../cli/style.js';
import {
  BATCH_SIZE,
  DLQ_RETENTION_DAYS,
  FUNCTION_TIMEOUT_SECONDS,
  IAM_EVENT_REGION,
  MAX_RECEIVE_COUNT,
  SERVICE_ROLE_PATH,
  STACK_NAME,
} from '../core/pipeline-settings.js';
import { SETTINGS } from '../core/settings.js';
import { EC2_TRUST_POLICY } from '../core/trust-policy.js';
import { runBundle } from '../emulator/bundle-runner.js';
import { cloudTrail, recordTrail } from '../emulator/cloudtrail.js';
import { createFunctionLogs, defaultLogGroup } from '../emulator/function-logs.js';
import { startMoto } from '../emulator/moto.js';
import { createOwnershipTable } from '../emulator/ownership-table.js';
import { createPipeline, DELIVERIES, recordStack, type SandboxPipeline } from '../emulator/pipeline.js';
import { LONG_POLL_SECONDS, MAPPING_READ_SECONDS, startPollers } from '../emulator/poller.js';
import { startProxy } from '../emulator/proxy.js';
import { mappingReader, recordRemediator } from '../emulator/remediator-function.js';
import { BUNDLES, isStale, REPO_ROOT } from '../toolchain/bundles.mjs';
import { ensurePythonTools, PythonToolsError } from '../toolchain/python-tools.mjs';
import { buildBundles } from './bundle.js';
import { SandboxError } from './errors.js';
import type { SandboxOptions } from './options.js';
import { createReporter, QUEUE_LABEL, type Reporter, routedCalls } from './reporter.js';
import { awsCliEnv, playScenario, runAwsCli, TRUST_POLICY_FILE } from './scenario.js';

/** The name of the sandbox's settle rule and queue (the delete path's add `-delete`, the DLQ `-dlq`) and function. */
export const SANDBOX_NAME = 'auto-instance-profile-sandbox';
/** IAM's region in the aws partition, where the stack lives. */
export const SANDBOX_REGION = IAM_EVENT_REGION.aws ?? 'us-east-1';
/** Fake credentials: moto accepts any. */
export const SANDBOX_CREDENTIALS: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: SANDBOX_REGION,
  AWS_DEFAULT_REGION: SANDBOX_REGION,
};
/** The sandbox's ownership table: the record of the profiles the service made, as the stack keeps it. */
export const SANDBOX_OWNERSHIP_TABLE = `${SANDBOX_NAME}-ownership`;
/** The role the sandbox's function plays, on the service's IAM path: the one writer the table's policy names. */
const SANDBOX_SERVICE_ROLE_ARN = `arn:aws:iam::123456789012:role${SERVICE_ROLE_PATH}${SANDBOX_NAME}`;
/** The function's log group in moto's CloudWatch Logs, as Lambda names it for a function of the sandbox's name. */
export const SANDBOX_LOG_GROUP = defaultLogGroup(SANDBOX_NAME);
/** The trail the sandbox records in moto for `doctor`. */
export const SANDBOX_TRAIL_NAME = `${SANDBOX_NAME}-trail`;
/** The command that checks the sandbox as a deployed stack and proves it end to end. */
export const SANDBOX_DOCTOR_COMMAND = 'npm run cli -- doctor --smoke';
const DRAIN_POLL_MS = 250;

/** The process's side of the sandbox: where to write, the environment, and the Ctrl-C signal. */
export interface SandboxIo extends CliIo {
  readonly signal: AbortSignal;
}

class Stopped extends SandboxError {
  override name = 'Stopped';

  constructor() {
    super('stopped');
  }
}

/**
 * Runs the sandbox and resolves to the exit code: 0 when the scenario's role got its profile and was then
 * deleted with none left behind, 1 otherwise, and 130 when stopped (Ctrl-C, SIGTERM, a reader gone) at any moment.
 */
export async function runSandbox(options: SandboxOptions, io: SandboxIo): Promise<number> {
  const style = createStyle(shouldColor(io.stdout, io.env));
  const cleanupReport = createReporter(io.stdout, style, options.verbose);
  const report = untilStopped(cleanupReport, io.signal);
  const cleanup: { readonly what: string; readonly run: () => Promise<void> }[] = [];
  const checkpoint = () => {
    if (io.signal.aborted) throw new Stopped();
  };
  let scenarioPassed = false;
  try {
    report.title('auto-instance-profile sandbox: the whole pipeline on this machine, no AWS account');
    report.line(`emulated   IAM, EventBridge and SQS, by moto (a stand-in for AWS that runs here)`);
    report.line(
      style.yellow(
        'SIMULATED  CloudTrail, by the front door: it publishes the record of each IAM write to EventBridge',
      ),
    );
    report.line(
      `our own    the rules' patterns, the queue settings and the remediator bundle, as the stack deploys them`,
    );
    const tools = await ensurePythonTools({ env: io.env, onProgress: (line) => report.line(line) });
    report.line(tools.line);
    checkpoint();

    const stale = (['remediator', 'invoke'] as const).find((name) => isStale(name));
    if (stale !== undefined) {
      report.line(`building dist/ (${BUNDLES[stale].path} is missing or older than its sources) …`);
      report.output(await buildBundles(REPO_ROOT));
    }
    checkpoint();

    const moto = await startMoto({ command: tools.moto });
    cleanup.push({ what: 'moto', run: () => moto.stop() });
    report.step('moto, the AWS emulator, on', moto.url);
    checkpoint();

    const clientConfig = {
      endpoint: moto.url,
      region: SANDBOX_REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    const sqs = new SQSClient(clientConfig);
    const events = new EventBridgeClient(clientConfig);
    const iam = new IAMClient(clientConfig);
    const cloudtrail = new CloudTrailClient(clientConfig);
    const cloudformation = new CloudFormationClient(clientConfig);
    const dynamodb = new DynamoDBClient(clientConfig);
    const logs = new CloudWatchLogsClient(clientConfig);
    const lambda = new LambdaClient(clientConfig);
    cleanup.push({
      what: 'AWS clients',
      run: async () => {
        for (const client of [sqs, events, iam, cloudtrail, cloudformation, dynamodb, logs, lambda]) client.destroy();
      },
    });

    const pipeline = await createPipeline(
      { sqs, events },
      {
        name: SANDBOX_NAME,
        settleDelaySeconds: options.settleDelaySeconds,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      },
    );
    const { tableName } = await createOwnershipTable(dynamodb, SANDBOX_OWNERSHIP_TABLE, [SANDBOX_SERVICE_ROLE_ARN]);
    // The function's settings as the stack sets them: the queues whose records it proves, and its table.
    const settings = {
      QUEUE_URLS: DELIVERIES.map((delivery) => pipeline.paths[delivery].queueUrl).join(','),
      OWNERSHIP_TABLE: tableName,
    };
    // What a deploy leaves: a logging trail, the remediator with a mapping per queue (pause and resume switch them;
    // the pollers below follow them), and the stack whose outputs name them.
    await recordTrail(cloudtrail, moto.url, SANDBOX_TRAIL_NAME);
    const functionLogs = await createFunctionLogs(logs, SANDBOX_LOG_GROUP);
    await recordRemediator(
      { iam, lambda },
      {
        functionName: SANDBOX_NAME,
        environment: settings,
        queues: DELIVERIES.map((delivery) => pipeline.paths[delivery]),
      },
    );
    await recordStack(cloudformation, pipeline, {
      functionName: SANDBOX_NAME,
      ownershipTableName: tableName,
      functionLogGroupName: functionLogs.logGroup,
    });
    const { settle, immediate } = pipeline.paths;
    report.step('the stack’s pipeline, in moto');
    report.line(`rule   ${settle.ruleName}: ${routedCalls('settle')} → the ${QUEUE_LABEL.settle}`);
    report.line(`rule   ${immediate.ruleName}: ${routedCalls('immediate')} → the ${QUEUE_LABEL.immediate}`);
    report.line(
      `queue  ${settle.ruleName}, the ${QUEUE_LABEL.settle}: delay ${settle.delaySeconds} s (the stack’s default is ${SETTINGS.settleDelay.default} s), so that IaC's own profile lands first`,
    );
    report.line(
      `queue  ${immediate.ruleName}, the ${QUEUE_LABEL.immediate}: no delay, so that a retried delete-role works seconds later`,
    );
    report.line(
      `DLQ    ${SANDBOX_NAME}-dlq: after ${MAX_RECEIVE_COUNT} receives (visibility timeout ${options.visibilityTimeoutSeconds} s), and for events EventBridge cannot deliver; kept ${DLQ_RETENTION_DAYS} days`,
    );
    report.line(
      `table  ${tableName}: the record of the profiles the service made, which alone makes one its own; writes denied to all but the service's role`,
    );
    report.line(
      `function  ${SANDBOX_NAME}, recorded in moto's Lambda with an event source mapping per queue (the bundle runs here): what pause and resume switch`,
    );
    report.line(
      `stack  ${STACK_NAME}, recorded with outputs that name these, and trail ${SANDBOX_TRAIL_NAME}, logging: what doctor looks for`,
    );
    report.line(
      `logs   ${functionLogs.logGroup}: the function's lines, a log stream per invocation, as Lambda writes them: what decisions reads`,
    );
    checkpoint();

    // When the front door last answered each call, by name and error code: the hook reports just before it answers.
    const answered = new Map<string, number>();
    // The front door: the one proxy in front of moto, with CloudTrail's stand-in as its hook.
    const frontDoor = await startProxy({
      targetUrl: moto.url,
      hooks: [
        cloudTrail({
          publish: async (entry) => {
            const result = await events.send(new PutEventsCommand({ Entries: [entry] }));
            if ((result.FailedEntryCount ?? 0) > 0) {
              throw new SandboxError(result.Entries?.find((e) => e.ErrorCode)?.ErrorMessage ?? 'PutEvents failed');
            }
          },
          onRecord: (record, error) => {
            answered.set(answerKey(record.eventName, record.errorCode), Date.now());
            report.record(record, error);
          },
        }),
      ],
      onError: (error) => report.warn(`front door: ${describeError(error)}`),
    });
    cleanup.push({ what: 'front door', run: () => frontDoor.close() });
    report.step('front door (your AWS endpoint) on', frontDoor.url);
    report.line(
      'forwards every call to moto unchanged; after each IAM write, successful or failed, it publishes the call’s',
    );
    report.line('CloudTrail record (⇢) to EventBridge before it answers, as CloudTrail would record it');
    checkpoint();

    // The function's queues (whose records it proves) and its table, as the stack sets them.
    const env = { ...functionEnv(io.env, frontDoor.url), ...settings };
    const queueOf = new Map(DELIVERIES.map((delivery) => [pipeline.paths[delivery].queueArn, QUEUE_LABEL[delivery]]));
    const pollers = startPollers(
      DELIVERIES.map((delivery) => pipeline.paths[delivery]),
      {
        sqs,
        region: SANDBOX_REGION,
        // Each batch in a fresh process, as a cold Lambda would run it; its lines print as it writes them, and go to
        // its log group, a stream per invocation, as Lambda writes them.
        invoke: async (event) => {
          const log = functionLogs.invocation();
          try {
            return (
              await runBundle(event, {
                env,
                timeoutMs: FUNCTION_TIMEOUT_SECONDS * 1000,
                onLine: (line) => {
                  log.line(line);
                  report.functionLine(line, queueOf.get(event.Records[0]?.eventSourceARN ?? ''));
                },
              })
            ).result;
          } finally {
            await log.flush().catch((error: unknown) => report.warn(`function logs: ${describeError(error)}`));
          }
        },
        onBatch: (batch) =>
          report.batch(batch, options.visibilityTimeoutSeconds, queueOf.get(batch.records[0]?.eventSourceARN ?? '')),
        onError: (error) => report.fail(`poller: ReceiveMessage failed: ${describeError(error)}`),
        // As Lambda does: nothing is received from a queue while its mapping is switched off.
        mappingOn: mappingReader(lambda, SANDBOX_NAME),
        onMappingSwitch: (queueArn, on) => report.mapping(queueOf.get(queueArn) ?? queueArn, on),
      },
    );
    // Stopping the pollers lets a batch in flight finish, so that no invocation is cut off.
    cleanup.push({ what: 'pollers', run: () => pollers.stop() });
    report.step('remediator, the Lambda bundle', BUNDLES.remediator.path);
    report.line(
      `polling both queues as Lambda does: batches of up to ${BATCH_SIZE}, ReportBatchItemFailures, and only while the queue's`,
    );
    report.line(
      `event source mapping is on (read every ${MAPPING_READ_SECONDS} s, so long polls of ${MAPPING_READ_SECONDS} s rather than Lambda's ${LONG_POLL_SECONDS} s);`,
    );
    report.line(
      `each batch runs in a fresh Node process through the invoke tool (${BUNDLES.invoke.path}), as a cold Lambda would`,
    );
    checkpoint();

    const workDir = await mkdtemp(join(tmpdir(), `${SANDBOX_NAME}-`));
    cleanup.push({ what: 'work directory', run: () => rm(workDir, { recursive: true, force: true }) });
    await writeFile(join(workDir, TRUST_POLICY_FILE), `${JSON.stringify(EC2_TRUST_POLICY, null, 2)}\n`);
    const cliEnv = awsCliEnv(io.env, {
      endpointUrl: frontDoor.url,
      credentials: SANDBOX_CREDENTIALS,
      configDir: workDir,
    });

    const outcome = await playScenario({
      report,
      iam,
      aws: (args) => runAwsCli(args, { aws: tools.aws, cwd: workDir, env: cliEnv, signal: io.signal }),
      drained: (timeoutMs) => drained(sqs, pipeline, timeoutMs, io.signal),
      answeredAt: (eventName, errorCode) => answered.get(answerKey(eventName, errorCode)),
      settleDelaySeconds: options.settleDelaySeconds,
      signal: io.signal,
    });
    scenarioPassed = outcome.passed;
    checkpoint();

    if (options.once) return scenarioPassed ? 0 : 1;

    report.step('ready: try your own commands in another shell');
    report.line(
      style.bold(
        `export AWS_ENDPOINT_URL=${frontDoor.url} ${Object.entries(SANDBOX_CREDENTIALS)
          .map(([name, value]) => `${name}=${value}`)
          .join(' ')}`,
      ),
    );
    report.line(
      `${tools.awsShell} iam create-role --role-name my-ec2-role --assume-role-policy-document file://${join(workDir, TRUST_POLICY_FILE)}`,
    );
    report.line(
      `${SANDBOX_DOCTOR_COMMAND}   # doctor finds this sandbox as a deployed stack, and proves it end to end`,
    );
    report.line('each call shows up here: its CloudTrail record (⇢), then the remediator’s decision and why (⇠);');
    report.line(
      'npm run cli -- pause --yes   # the events wait; npm run cli -- doctor says paused; npm run cli -- resume --yes',
    );
    report.line('more to try by hand, a trust update and a Terraform-style destroy among them: docs/sandbox.md');
    report.line(style.dim('Press Ctrl-C to stop.'));
    await untilAborted(io.signal);
    throw new Stopped();
  } catch (error) {
    // Stopped at any moment, whatever failed meanwhile: a terminal's Ctrl-C reaches moto and the AWS CLI too, so
    // a call in flight fails with the connection refused; that is the stop, not a finding.
    if (error instanceof Stopped || io.signal.aborted) {
      cleanupReport.line('stopping …');
      return EXIT.interrupted;
    }
    report.fail(error instanceof PythonToolsError ? error.message : describeError(error));
    return 1;
  } finally {
    for (const { what, run } of cleanup.reverse()) {
      await run().catch((error: unknown) => cleanupReport.warn(`stopping the ${what}: ${describeError(error)}`));
    }
  }
}

/**
 * The report while the sandbox runs, silent about failures once it is stopping: moto and the AWS CLI take the
 * terminal's Ctrl-C too, so the calls in flight then fail (`connect ECONNREFUSED`) because of the stop, not of the
 * pipeline. What the stop itself does is reported on the unmuted reporter.
 */
function untilStopped(report: Reporter, signal: AbortSignal): Reporter {
  const live =
    <A extends unknown[]>(write: (...args: A) => void) =>
    (...args: A) => {
      if (!signal.aborted) write(...args);
    };
  return {
    ...report,
    fail: live(report.fail),
    warn: live(report.warn),
    record: live(report.record),
    batch: live(report.batch),
    mapping: live(report.mapping),
    functionLine: live(report.functionLine),
  };
}

function answerKey(eventName: string, errorCode: string | undefined): string {
  return `${eventName} ${errorCode ?? ''}`;
}

/**
 * Waits until every queue of the pipeline is empty: nothing visible, in flight or delayed. The poller deletes
 * a message only after the function handled it, so by then its lines are printed.
 */
async function drained(
  sqs: SQSClient,
  pipeline: SandboxPipeline,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    const depths = await Promise.all(
      DELIVERIES.map(async (delivery) => {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: pipeline.paths[delivery].queueUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        return Object.values(Attributes).reduce((sum, count) => sum + Number(count), 0);
      }),
    );
    if (depths.every((depth) => depth === 0)) return true;
    await sleep(DRAIN_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return false;
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * The function's environment, as Lambda would give it: its own settings only. Endpoints through the front
 * door, so that its own IAM writes show up as CloudTrail records too, as they would in an account.
 */
function functionEnv(env: Readonly<Record<string, string | undefined>>, endpointUrl: string): Record<string, string> {
  return {
    ...(env.PATH === undefined ? {} : { PATH: env.PATH }),
    ...SANDBOX_CREDENTIALS,
    AWS_ENDPOINT_URL: endpointUrl,
    [SETTINGS.logLevel.env]: SETTINGS.logLevel.default,
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}
