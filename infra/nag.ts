/**
 * Helpers for acknowledging cdk-nag findings. cdk-nag (v3) reads acknowledgments that
 * `Validations.of(scope).acknowledge()` records, so the construct itself needs no cdk-nag import.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
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

/**
 * The CDK's provider function for every AwsCustomResource of a stack is one Lambda at the stack's root. Its
 * findings are acknowledged there, with reasons that hold for any custom resource it serves; `grants` names
 * what the custom resources of this stack let it do. With `ownRole`, the provider runs with a role the stack
 * made (no managed policy), so there is no AWSLambdaBasicExecutionRole to acknowledge.
 */
export function acknowledgeProviderFindings(
  run: AwsCustomResource,
  grants: string,
  options: { readonly ownRole?: boolean } = {},
): void {
  const provider = Stack.of(run).node.findChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`);
  Validations.of(provider).acknowledge(
    ...(options.ownRole === true
      ? []
      : [
          {
            id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
            reason:
              "The CDK's AwsCustomResource provider comes with AWSLambdaBasicExecutionRole to write its logs; its other " +
              `permissions are the statements each custom resource grants it (here ${grants}).`,
          },
        ]),
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'CloudFormation invokes the custom resource provider for each resource event and waits for its answer; a failed ' +
        'call fails the deploy, so there is nothing for a dead-letter queue to keep.',
    },
    {
      id: 'Serverless-LambdaTracing',
      reason:
        'The provider makes one SDK call per custom resource event during a deploy; CloudFormation records each event ' +
        'and its logs hold the call, so tracing would add xray:Put* on "*" for no insight.',
    },
  );
}
