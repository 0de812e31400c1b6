/**
 * `auto-instance-profile doctor`: checks that an account is set up for the pipeline. For real accounts,
 * and works against moto through AWS_ENDPOINT_URL.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STACK_NAME } from '../../core/pipeline-settings.js';
import { AWS_OPTIONS, AWS_OPTIONS_HELP, HELP_OPTION, nonBlank, parseCommandArgs } from '../args.js';
import { awsClientConfig, hasCustomSqsEndpoint, resolveRegion } from '../aws.js';
import { type CliIo, type Command, EXIT, type Output } from '../command.js';
import type { CheckResult } from '../doctor/checks.js';
import { runDoctor } from '../doctor/doctor.js';
import { createStyle, marks, shouldColor } from '../style.js';

const USAGE = `Usage: auto-instance-profile doctor [options]

Checks that this account and region are ready for the pipeline:
  region             the region is the partition's IAM event region (us-east-1, cn-north-1, us-gov-west-1)
  trail              a CloudTrail trail is logging IAM's write management events
  stack              the ${STACK_NAME} stack is deployed, with its outputs
  rule               the stack's EventBridge rule for creates and trust changes is enabled
  delete-rule        the stack's EventBridge rule for deletes is enabled
  dead-letter-queue  the stack's dead-letter queue is empty

Options:
  --json             print {"checks":[{"name","ok","detail"}]} instead of text
  --stack-name NAME  the stack to look for (default: ${STACK_NAME})
${AWS_OPTIONS_HELP}

Exit code: 0 when every check passes, 1 otherwise, 2 for a bad command line.
`;

const OPTIONS = {
  ...AWS_OPTIONS,
  ...HELP_OPTION,
  json: { type: 'boolean', default: false },
  'stack-name': { type: 'string' },
} as const;

/** The doctor command. */
export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check that the account is ready: region, trail, stack, rules, dead-letter queue',
  async run(args, io) {
    const values = parseCommandArgs(args, OPTIONS);
    if (values.help) {
      io.stdout.write(USAGE);
      return EXIT.ok;
    }
    const config = awsClientConfig({
      profile: nonBlank('profile', values.profile),
      region: nonBlank('region', values.region),
    });
    const stackName = nonBlank('stack-name', values['stack-name']) ?? STACK_NAME;
    const cloudtrail = new CloudTrailClient(config);
    const cloudformation = new CloudFormationClient(config);
    const events = new EventBridgeClient(config);
    const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: !hasCustomSqsEndpoint(io.env) });
    try {
      const region = config.region ?? (await resolveRegion(cloudtrail));
      const checks = await runDoctor({ region, stackName, cloudtrail, cloudformation, events, sqs });
      if (values.json) io.stdout.write(`${JSON.stringify({ checks }, null, 2)}\n`);
      else printReport(io.stdout, io.env, region, stackName, checks);
      return checks.every((check) => check.ok) ? EXIT.ok : EXIT.failed;
    } finally {
      for (const client of [cloudtrail, cloudformation, events, sqs]) client.destroy();
    }
  },
};

function printReport(
  out: Output,
  env: CliIo['env'],
  region: string | undefined,
  stackName: string,
  checks: readonly CheckResult[],
): void {
  const style = createStyle(shouldColor(out, env));
  const mark = marks(style);
  const width = Math.max(...checks.map((check) => check.name.length));
  out.write(
    `${style.bold('auto-instance-profile doctor')} ${style.dim(`${region ?? 'no region'} · stack ${stackName}`)}\n`,
  );
  for (const check of checks) {
    const detail = check.ok ? check.detail : style.red(check.detail);
    out.write(`  ${check.ok ? mark.ok : mark.fail}  ${check.name.padEnd(width)}  ${detail}\n`);
  }
  const failed = checks.filter((check) => !check.ok).length;
  out.write(
    failed === 0
      ? `${style.green(`All ${checks.length} checks passed.`)}\n`
      : `${style.red(`${failed} of ${checks.length} checks failed.`)}\n`,
  );
}
