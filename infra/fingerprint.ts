/**
 * A fingerprint of a stack's template: what lets a custom resource change, and so run, on every deploy
 * that changes the stack, and only then.
 */
import { createHash } from 'node:crypto';
import { CfnElement, CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The CDK's own analytics resource: not part of what the stack deploys. */
const CDK_METADATA_TYPE = 'AWS::CDK::Metadata';

/**
 * The constructs that carry a lazy fingerprint. Each fingerprint leaves all of them out, not only its own:
 * two carriers in one stack would otherwise hash each other without end.
 */
const CARRIERS = new WeakSet<IConstruct>();

/**
 * The SHA-256 (hex) of every element of `scope`'s stack (resources, outputs, conditions, rules …), as
 * CloudFormation will see them, except those under `exclude` (the construct that carries the
 * fingerprint, which would otherwise hash itself) or under any other carrier of a
 * {@link lazyTemplateFingerprint}, and the CDK's metadata. Asset hashes are part of the resources that
 * use them, so new code changes it too.
 */
export function templateFingerprint(scope: IConstruct, exclude: IConstruct): string {
  const stack = Stack.of(scope);
  const excluded = (element: IConstruct) =>
    element.node.scopes.some((ancestor) => ancestor === exclude || CARRIERS.has(ancestor));
  const fragments = stack.node
    .findAll()
    .filter((construct): construct is CfnElement => CfnElement.isCfnElement(construct))
    .filter((element) => Stack.of(element) === stack && !excluded(element))
    .filter((element) => !(CfnResource.isCfnResource(element) && element.cfnResourceType === CDK_METADATA_TYPE))
    .map((element) => stack.resolve(element._toCloudFormation()) as unknown);
  return createHash('sha256').update(canonicalJson(fragments)).digest('hex');
}

/**
 * {@link templateFingerprint} as a token, computed when the template is written, after every construct
 * exists. `exclude` becomes a carrier: what is under it is left out of every fingerprint of the stack.
 */
export function lazyTemplateFingerprint(scope: IConstruct, exclude: IConstruct): string {
  CARRIERS.add(exclude);
  return Lazy.string({ produce: () => templateFingerprint(scope, exclude) });
}

/** JSON with object keys sorted, so that the same template always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
