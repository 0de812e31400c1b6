/**
 * The actions the CLI's `doctor` reads an account with (cli/doctor/probes.ts makes the calls). Here rather than
 * beside the calls because the organization's member role (core/member-role.ts) is granted them too, and the
 * stack that makes that role (infra/org-access-role.ts) must not import the CLI.
 */

/**
 * The actions the doctor needs, for a read-only role that runs it (STS GetCallerIdentity, which it calls first,
 * needs no permission). `--smoke` needs SMOKE_PERMISSIONS (cli/doctor/smoke-role.ts) too.
 */
export const DOCTOR_PERMISSIONS = [
  'cloudtrail:DescribeTrails',
  'cloudtrail:GetTrailStatus',
  'cloudtrail:GetEventSelectors',
  'cloudformation:DescribeStacks',
  'events:DescribeRule',
  'sqs:GetQueueAttributes',
  'iam:GetAccountSummary',
  // The event-sources check: the remediator's mappings, and while paused the age of the oldest event that waits.
  'lambda:ListEventSourceMappings',
  'cloudwatch:GetMetricData',
  // The remediator's settings (its environment), for the report's settings line: selection, dry run.
  'lambda:GetFunctionConfiguration',
] as const;
