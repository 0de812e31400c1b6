/**
 * Helpers for acknowledging cdk-nag findings. cdk-nag (v3) reads acknowledgments that
 * `Validations.of(scope).acknowledge()` records, so the construct itself needs no cdk-nag import.
 */
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The id of AwsSolutions-IAM5's finding for a wildcard resource, which cdk-nag names after the
 * resource with references flattened (`arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*`). The ARN
 * renders differently with and without a known region, so it is computed rather than written out.
 */
export function wildcardResourceFindingId(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

/** cdk-nag's flattening, for the shapes an ARN takes: a string, a Ref, or an Fn::Join of them. */
function flatten(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && node !== null) {
    if ('Ref' in node) return `<${String(node.Ref)}>`;
    if ('Fn::Join' in node) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(delimiter);
    }
  }
  throw new Error(`Cannot name the cdk-nag finding for ${JSON.stringify(node)}`);
}
