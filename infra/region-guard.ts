/**
 * IAM is global: its CloudTrail events reach EventBridge only in the partition's IAM event region.
 * A stack anywhere else would deploy cleanly and never see an event, so it must not deploy at all.
 */
import { Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AutoInstanceProfileError } from '../core/errors.js';
import { IAM_EVENT_REGION } from '../core/pipeline-settings.js';
import { IAM_EVENT_REGIONS_TEXT, iamEventRegionFor, partitionOf } from '../core/regions.js';

/** The id of the template's Rules entry that carries the check when the region is not known at synth. */
export const REGION_RULE_ID = 'AutoInstanceProfileIamEventRegion';

/** The stack is set to a region where IAM's events never arrive. */
export class WrongRegionError extends AutoInstanceProfileError {
  override name = 'WrongRegionError';

  constructor(message: string) {
    super(message);
  }
}

/**
 * Makes sure the stack that holds `scope` can only be deployed where IAM's events arrive.
 * A concrete region is checked now and throws; an environment-agnostic stack gets a CloudFormation
 * Rules assertion, which fails the deploy before any resource is created. The partition comes from the
 * region's name (core/regions.ts), the same table the CLI's `doctor` reads.
 */
export function guardIamEventRegion(scope: IConstruct, deployCommand = 'npm run deploy'): void {
  const stack = Stack.of(scope);
  if (Token.isUnresolved(stack.region)) {
    addRegionRule(stack);
    return;
  }
  const expected = iamEventRegionFor(stack.region);
  if (expected === stack.region) return;
  const where =
    expected === undefined
      ? `one of ${IAM_EVENT_REGIONS_TEXT} (the ${partitionOf(stack.region)} partition is not supported)`
      : `${expected}, the ${partitionOf(stack.region)} partition's IAM event region`;
  throw new WrongRegionError(
    `Stack ${stack.stackName} is set to region ${stack.region}, but IAM's CloudTrail events reach EventBridge only in ${where}. ` +
      `Deploy it there, for example: AWS_REGION=${expected ?? 'us-east-1'} ${deployCommand}`,
  );
}

function addRegionRule(stack: Stack): void {
  if (stack.node.tryFindChild(REGION_RULE_ID) !== undefined) return;
  new CfnRule(stack, REGION_RULE_ID, {
    assertions: [
      {
        assert: Fn.conditionContains(Object.values(IAM_EVENT_REGION), Aws.REGION),
        assertDescription: `IAM's CloudTrail events reach EventBridge only in the partition's IAM event region: deploy this stack to ${IAM_EVENT_REGIONS_TEXT}.`,
      },
    ],
  });
}
