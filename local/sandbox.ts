/**
 * `npm start`: the whole pipeline on this machine, with no AWS account. moto emulates IAM, EventBridge and
 * SQS; the front door simulates CloudTrail; the rule's pattern, the queue settings and the remediator bundle
 * are the project's own. Plays the user's scenario with the AWS CLI, then keeps running until Ctrl-C, or
 * stops with `--once`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, ListInstanceProfilesForRoleCommand } from '@aws-sdk/client-iam';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CliIo } from '../cli/command.js';
import { describeError } from '../cli/errors.js';
import { createStyle, shouldColor } from '../cli/style.js';
import {
  BATCH_SIZE,
  DEFAULT_SETTLE_DELAY_SECONDS,
  DLQ_RETENTION_DAYS,
  FUNCTION_TIMEOUT_SECONDS,
  IAM_EVENT_REGION,
  MAX_RECEIVE_COUNT,
} from '../core/pipeline-settings.js';
import { EC2_TRUST_POLICY } from '../core/trust-policy.js';
import { INVOKE_TOOL, REMEDIATOR_BUNDLE, REPO_ROOT, runBundle } from '../emulator/bundle-runner.js';
import { cloudTrail, MOTO_ACCOUNT_ID } from '../emulator/cloudtrail.js';
import { startMoto } from '../emulator/moto.js';
import { createPipeline } from '../emulator/pipeline.js';
import { LONG_POLL_SECONDS, startPoller } from '../emulator/poller.js';
import { startProxy } from '../emulator/proxy.js';
import { buildBundles, bundleIsStale } from './bundle.js';
import { SandboxError } from './errors.js';
import type { SandboxOptions } from './options.js';
import { createReporter, type Reporter } from './reporter.js';
import {
  awsCliEnv,
  expectedProfileArn,
  formatCommand,
  profileHoldingRole,
  runAwsCli,
  SCENARIO_ROLE_NAME,
  scenarioCommands,
  TRUST_POLICY_FILE,
} from './scenario.js';

/** The name of the sandbox's rule, queue (and `-dlq`) and function. */
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
/** How long after the settle delay to wait for the profile before calling the scenario failed. */
const REMEDIATION_GRACE_SECONDS = 30;
const PROFILE_POLL_MS = 250;

/** The process's side of the sandbox: where to write, the environment, and the Ctrl-C signal. */
export interface SandboxIo extends CliIo {
  readonly signal: AbortSignal;
}

class Stopped extends SandboxError {
  constructor() {
    super('stopped');
    this.name = 'Stopped';
  }
}

/** Runs the sandbox and resolves to the exit code: 0 when the scenario's profile appeared, 1 otherwise. */
export async function runSandbox(options: SandboxOptions, io: SandboxIo): Promise<number> {
  const style = createStyle(shouldColor(io.stdout, io.env));
  const report = createReporter(io.stdout, style, options.verbose);
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
      `our own    the rule's pattern, the queue settings and the remediator bundle, as the stack deploys them`,
    );
    const stale = [REMEDIATOR_BUNDLE, INVOKE_TOOL].find((bundle) => bundleIsStale(REPO_ROOT, bundle));
    if (stale !== undefined) {
      report.line(`building dist/ (${stale} is missing or older than its sources) …`);
      report.output(await buildBundles(REPO_ROOT));
    }
    checkpoint();

    const moto = await startMoto();
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
    cleanup.push({
      what: 'AWS clients',
      run: async () => {
        for (const client of [sqs, events, iam]) client.destroy();
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
    report.step('the stack’s pipeline, in moto');
    report.line(`rule   ${pipeline.ruleName}: the stack’s pattern (core/event-pattern.ts), target the queue`);
    report.line(
      `queue  ${SANDBOX_NAME}: settle delay ${options.settleDelaySeconds} s (the stack’s default is ${DEFAULT_SETTLE_DELAY_SECONDS} s), visibility timeout ${options.visibilityTimeoutSeconds} s`,
    );
    report.line(
      `DLQ    ${SANDBOX_NAME}-dlq: after ${MAX_RECEIVE_COUNT} receives, and for events EventBridge cannot deliver; kept ${DLQ_RETENTION_DAYS} days`,
    );
    checkpoint();

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
          onRecord: (record, error) => report.record(record, error),
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

    const env = functionEnv(io.env, frontDoor.url);
    const poller = startPoller({
      sqs,
      queueUrl: pipeline.queueUrl,
      queueArn: pipeline.queueArn,
      region: SANDBOX_REGION,
      // Each batch in a fresh process, as a cold Lambda would run it; its lines print as it writes them.
      invoke: async (event) =>
        (
          await runBundle(event, {
            env,
            timeoutMs: FUNCTION_TIMEOUT_SECONDS * 1000,
            onLine: (line) => report.functionLine(line),
          })
        ).result,
      onBatch: (batch) => report.batch(batch, options.visibilityTimeoutSeconds),
      onError: (error) => report.fail(`poller: ReceiveMessage failed: ${describeError(error)}`),
    });
    // Stopping the poller lets a batch in flight finish, so that no invocation is cut off.
    cleanup.push({ what: 'poller', run: () => poller.stop() });
    report.step('remediator, the Lambda bundle', REMEDIATOR_BUNDLE);
    report.line(
      `polling the queue as Lambda does: long polls of ${LONG_POLL_SECONDS} s, batches of up to ${BATCH_SIZE}, ReportBatchItemFailures;`,
    );
    report.line(
      `each batch runs in a fresh Node process through the invoke tool (${INVOKE_TOOL}), as a cold Lambda would`,
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

    report.step('the scenario, with the AWS CLI');
    scenarioPassed = await playScenario({
      report,
      iam,
      cliEnv,
      workDir,
      options,
      signal: io.signal,
    });
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
      `aws iam create-role --role-name my-ec2-role --assume-role-policy-document file://${join(workDir, TRUST_POLICY_FILE)}`,
    );
    report.line('each call shows up here: its CloudTrail record (⇢), then the remediator’s decision and why (⇠)');
    report.line(style.dim('Press Ctrl-C to stop.'));
    await untilAborted(io.signal);
    throw new Stopped();
  } catch (error) {
    if (error instanceof Stopped) {
      report.line('stopping …');
      return scenarioPassed ? 0 : 1;
    }
    report.fail(describeError(error));
    return 1;
  } finally {
    for (const { what, run } of cleanup.reverse()) {
      await run().catch((error: unknown) => report.warn(`stopping the ${what}: ${describeError(error)}`));
    }
  }
}

async function playScenario(context: {
  readonly report: Reporter;
  readonly iam: IAMClient;
  readonly cliEnv: Readonly<Record<string, string>>;
  readonly workDir: string;
  readonly options: SandboxOptions;
  readonly signal: AbortSignal;
}): Promise<boolean> {
  const { report, iam, cliEnv, workDir, options, signal } = context;
  const commands = scenarioCommands();
  const run = async (args: readonly string[]) => {
    report.command(formatCommand(args));
    // The front door reports each call's record before it answers, so the records print under their command.
    const result = await runAwsCli(args, { cwd: workDir, env: cliEnv, signal });
    report.output(result.stdout);
    if (result.exitCode !== 0) {
      report.output(result.stderr);
      throw new SandboxError(`${formatCommand(args)} exited with ${result.exitCode}`);
    }
    return result;
  };

  const started = Date.now();
  await run(commands.createRole);
  await run(commands.attachPolicy);
  report.line(`… waiting for the remediation (the settle delay is ${options.settleDelaySeconds} s)`);
  const appeared = await waitForProfile(
    iam,
    SCENARIO_ROLE_NAME,
    (options.settleDelaySeconds + REMEDIATION_GRACE_SECONDS) * 1000,
    signal,
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const listed = await run(commands.listProfiles);
  const arn = profileHoldingRole(listed.stdout, SCENARIO_ROLE_NAME);
  const expected = expectedProfileArn(MOTO_ACCOUNT_ID, SCENARIO_ROLE_NAME);
  if (appeared && arn === expected) {
    report.ok(`${arn} holds ${SCENARIO_ROLE_NAME} (${seconds} s after create-role)`);
    return true;
  }
  report.fail(
    `no instance profile ${expected} holds ${SCENARIO_ROLE_NAME} after ${seconds} s (re-run with --verbose for the remediator's logs)`,
  );
  return false;
}

/** Polls IAM until the role's same-name profile holds it, the time is up, or the sandbox stops. */
async function waitForProfile(
  iam: IAMClient,
  roleName: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    const { InstanceProfiles = [] } = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: roleName }));
    if (InstanceProfiles.some((profile) => profile.InstanceProfileName === roleName)) return true;
    await sleep(PROFILE_POLL_MS, undefined, { signal }).catch(() => undefined);
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
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}
