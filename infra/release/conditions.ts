/**
 * One template from several: the template with every feature on, and for each feature the same template with it off.
 * What only the first has becomes conditional on the feature; what differs becomes `Fn::If`. Pure JSON, no CDK: the
 * release builds each variant with the construct as it is, so the conditional template holds exactly what the CDK app
 * would deploy for either value.
 */

/** A CloudFormation template, as far as this module reads it. */
export interface Template {
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Condition?: string; DependsOn?: string | string[]; [key: string]: unknown }>;
  Outputs?: Record<string, { Condition?: string; [key: string]: unknown }>;
  [section: string]: unknown;
}

/** A feature: its condition's name and definition, and the template without it. */
export interface FeatureVariant {
  readonly condition: string;
  readonly definition: unknown;
  readonly off: Template;
}

const NO_VALUE = { Ref: 'AWS::NoValue' };

/** `on` with each feature's resources and outputs conditional on it and each difference an `Fn::If`. */
export function mergeFeatures(on: Template, features: readonly FeatureVariant[]): Template {
  const merged: Template = structuredClone(on);
  merged.Conditions = { ...merged.Conditions };
  for (const { condition, definition, off } of features) {
    merged.Conditions[condition] = definition;
    for (const [id, resource] of Object.entries(merged.Resources)) {
      const other = off.Resources[id];
      if (other === undefined) {
        resource.Condition = and(resource.Condition, condition, merged);
        continue;
      }
      for (const key of Object.keys(resource)) {
        if (key === 'Condition' || key === 'DependsOn') continue;
        resource[key] = choose(condition, resource[key], other[key]);
      }
    }
    for (const [id, output] of Object.entries(merged.Outputs ?? {})) {
      const other = off.Outputs?.[id];
      if (other === undefined) output.Condition = and(output.Condition, condition, merged);
      else
        for (const key of Object.keys(output))
          if (key !== 'Condition') output[key] = choose(condition, output[key], other[key]);
    }
  }
  dropConditionalDependsOn(merged);
  return merged;
}

/** The value when `condition` holds (`on`) or not (`off`), as small as the difference allows. */
function choose(condition: string, on: unknown, off: unknown): unknown {
  if (equal(on, off)) return on;
  if (on === undefined) return { 'Fn::If': [condition, NO_VALUE, off] };
  if (off === undefined) return { 'Fn::If': [condition, on, NO_VALUE] };
  // An intrinsic function is one value: its arguments are not split.
  if (isPlainObject(on) && isPlainObject(off) && !isIntrinsic(on) && !isIntrinsic(off)) {
    const keys = [...new Set([...Object.keys(on), ...Object.keys(off)])];
    return Object.fromEntries(keys.map((key) => [key, choose(condition, on[key], off[key])]));
  }
  if (Array.isArray(on) && Array.isArray(off) && on.length === off.length) {
    return on.map((item, index) => choose(condition, item, off[index]));
  }
  return { 'Fn::If': [condition, on, off] };
}

/** `first` and `second` both, as one condition of `template` (declared there when new). */
function and(first: string | undefined, second: string, template: Template): string {
  if (first === undefined) return second;
  const name = `${first}And${second}`;
  template.Conditions = {
    ...template.Conditions,
    [name]: { 'Fn::And': [{ Condition: first }, { Condition: second }] },
  };
  return name;
}

/**
 * A resource that always exists may not wait on one that may not: its DependsOn keeps only resources with no
 * condition, or with the same one.
 */
function dropConditionalDependsOn(template: Template): void {
  for (const resource of Object.values(template.Resources)) {
    if (resource.DependsOn === undefined) continue;
    const kept = [resource.DependsOn].flat().filter((id) => {
      const condition = template.Resources[id]?.Condition;
      return condition === undefined || condition === resource.Condition;
    });
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = kept;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntrinsic(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || (keys[0]?.startsWith('Fn::') ?? false));
}

function equal(first: unknown, second: unknown): boolean {
  return JSON.stringify(first) === JSON.stringify(second);
}
