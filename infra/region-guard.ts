/**
 * IAM is global: its CloudTrail events reach EventBridge only in the partition's IAM event region.
 * A stack anywhere else would deploy cleanly and never see an event, so it must not deploy at all.
 */
import { Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';
import { AutoInstanceProfileError } from '../core/errors.js';
import { IAM_EVENT_REGION } from '../core/pipeline-settings.js';

/** The id of the template's Rules entry that carries the check when the region is not known at synth. */
export const REGION_RULE_ID = 'AutoInstanceProfileIamEventRegion';

/** Every partition's IAM event region, described for error messages: `us-east-1 (aws), …`. */
const ALLOWED_REGIONS_TEXT = Object.entries(IAM_EVENT_REGION)
  .map(([partition, region]) => `${region} (${partition})`)
  .join(', ');

/** The stack is set to a region where IAM's events never arrive. */
export class WrongRegionError extends AutoInstanceProfileError {
  constructor(message: string) {
    super(message);
    this.name = 'WrongRegionError';
  }
}

/** The IAM event region of a known region's partition, or undefined if the partition has none we know. */
export function iamEventRegionFor(region: string): string | undefined {
  const partition = RegionInfo.get(region).partition;
  return partition === undefined ? undefined : IAM_EVENT_REGION[partition];
}

/**
 * Makes sure the stack that holds `scope` can only be deployed where IAM's events arrive.
 * A concrete region is checked now and throws; an environment-agnostic stack gets a CloudFormation
 * Rules assertion, which fails the deploy before any resource is created.
 */
export function guardIamEventRegion(scope: IConstruct): void {
  const stack = Stack.of(scope);
  if (Token.isUnresolved(stack.region)) {
    addRegionRule(stack);
    return;
  }
  const expected = iamEventRegionFor(stack.region);
  if (expected === stack.region) return;
  const where =
    expected === undefined
      ? `one of ${ALLOWED_REGIONS_TEXT}`
      : `${expected}, the ${RegionInfo.get(stack.region).partition} partition's IAM event region`;
  throw new WrongRegionError(
    `Stack ${stack.stackName} is set to region ${stack.region}, but IAM's CloudTrail events reach EventBridge only in ${where}. ` +
      `Deploy it there, for example: AWS_REGION=${expected ?? 'us-east-1'} npm run deploy`,
  );
}

function addRegionRule(stack: Stack): void {
  if (stack.node.tryFindChild(REGION_RULE_ID) !== undefined) return;
  new CfnRule(stack, REGION_RULE_ID, {
    assertions: [
      {
        assert: Fn.conditionContains(Object.values(IAM_EVENT_REGION), Aws.REGION),
        assertDescription: `IAM's CloudTrail events reach EventBridge only in the partition's IAM event region: deploy this stack to ${ALLOWED_REGIONS_TEXT}.`,
      },
    ],
  });
}
