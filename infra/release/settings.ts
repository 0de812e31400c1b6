/**
 * The service's settings as CloudFormation parameters, for the release templates: one parameter per prop of the
 * settings table (core/settings.ts), named like its context key (`settleDelaySeconds` → `SettleDelaySeconds`), with
 * its default and its allowed values, and the prop it becomes. The one adapter between that table and the templates.
 */
import { CfnParameter, Fn, type Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { contextKey, type SettingName, type SettingRow } from '../../core/settings.js';
import type { AutoInstanceProfileProps } from '../auto-instance-profile.js';
import { propRows, toProp } from '../props.js';

/** A parameter's declaration, as CfnParameter takes it. */
type ParameterSpec = Omit<ConstructorParameters<typeof CfnParameter>[2] & object, 'default'> & {
  readonly default: string | number;
};

/** A setting that adds resources when on: the props that turn it off, and the condition that says it is on. */
export interface ReleaseFeature {
  /** The props of the template without it. */
  readonly off: AutoInstanceProfileProps;
  /** The condition's name in the template. */
  readonly condition: string;
  /** When it holds: the parameter's value that means on (`Equals`), or off (`NotEquals`). */
  readonly when: { readonly equals: string } | { readonly notEquals: string };
}

/** One setting as a parameter. */
export interface ReleaseSetting {
  /** The prop. */
  readonly name: SettingName;
  /** The parameter's name: the context key's, capitalized. */
  readonly parameter: string;
  readonly spec: ParameterSpec;
  /** The props the parameter sets, with its value as a token. */
  readonly props: (parameter: CfnParameter, stack: Stack) => AutoInstanceProfileProps;
  /** Set when the setting adds or removes resources, not only values. */
  readonly feature?: ReleaseFeature;
}

/** Every retention CloudWatch Logs takes: INFINITE is the CDK's word for none, which a parameter cannot say. */
const RETENTIONS = Object.values(RetentionDays).filter(
  (days): days is number => typeof days === 'number' && days !== RetentionDays.INFINITE,
);

/** A row's pattern without its anchors, for a comma list of it. */
const entryOf = (pattern: RegExp) => pattern.source.replace(/^\^/, '').replace(/\$$/, '');

/** A row's parameter declaration: its type, default and allowed values, by its kind. */
function specOf(row: SettingRow): ParameterSpec {
  const fallback = 'default' in row ? row.default : undefined;
  switch (row.kind) {
    case 'boolean':
      return { type: 'String', allowedValues: ['true', 'false'], default: String(fallback) };
    case 'whole':
    case 'duration':
      return {
        type: 'Number',
        minValue: row.min,
        ...('max' in row && row.max !== undefined ? { maxValue: row.max } : {}),
        default: fallback as number,
      };
    case 'oneOf':
      return { type: 'String', allowedValues: [...row.values], default: String(fallback) };
    case 'retention':
      return { type: 'Number', allowedValues: RETENTIONS.map(String), default: String(fallback) };
    case 'list':
      return {
        type: 'String',
        allowedPattern: `^(${entryOf(row.pattern)}(,${entryOf(row.pattern)})*)?$`,
        default: ((fallback as readonly string[] | undefined) ?? []).join(','),
      };
    case 'text':
      return { type: 'String', allowedPattern: `^(${entryOf(row.pattern)})?$`, default: String(fallback ?? '') };
    case 'schedule':
      return { type: 'String', allowedPattern: '^(disabled|(rate|cron|at)\\(.+\\))$', default: String(fallback) };
    case 'topic':
      return { type: 'String', allowedPattern: '^(arn:[\\w-]+:sns:[\\w-]+:\\d{12}:[\\w.-]+)?$', default: '' };
  }
}

/** The row as a parameter: the props its token makes, and the feature it turns on or off, if it shapes resources. */
function settingOf(name: SettingName, row: SettingRow): ReleaseSetting {
  const key = contextKey(name, row);
  const parameter = `${key.charAt(0).toUpperCase()}${key.slice(1)}`;
  const base = { name, parameter, spec: specOf(row) };
  const prop = (value: unknown) => ({ [name]: value }) as AutoInstanceProfileProps;
  // A setting without an environment variable shapes resources only: on in the template, conditional on its parameter.
  const shapesOnly = row.env === undefined;
  switch (row.kind) {
    case 'boolean':
      return shapesOnly
        ? {
            ...base,
            props: () => prop(true),
            feature: { off: prop(false), condition: `${parameter}On`, when: { equals: 'true' } },
          }
        : { ...base, props: (value) => prop(value.valueAsString) };
    case 'schedule':
      return {
        ...base,
        props: (value) => prop(toProp(row, value.valueAsString)),
        feature: { off: prop('disabled'), condition: `${parameter}Enabled`, when: { notEquals: 'disabled' } },
      };
    case 'topic':
      return {
        ...base,
        props: (value, stack) => prop(toProp(row, value.valueAsString, stack, `${name}Parameter`)),
        feature: { off: prop(undefined), condition: `Has${parameter}`, when: { notEquals: '' } },
      };
    case 'list':
      return shapesOnly
        ? {
            ...base,
            props: (value) => prop(Fn.split(',', value.valueAsString)),
            feature: { off: prop([]), condition: `Has${parameter}`, when: { notEquals: '' } },
          }
        : { ...base, props: (value) => prop([value.valueAsString]) };
    case 'whole':
    case 'duration':
    case 'retention':
      return { ...base, props: (value) => prop(toProp(row, value.valueAsNumber)) };
    default:
      return { ...base, props: (value) => prop(value.valueAsString) };
  }
}

/** The service's settings in the table's order (the docs'), each as its parameter. */
export function releaseSettings(): readonly ReleaseSetting[] {
  return propRows('service').map(([name, row]) => settingOf(name, row));
}

/** What a setting's parameter allows, in words, for its description. */
function allowed(spec: ParameterSpec): string {
  if (spec.allowedValues !== undefined) return `one of ${spec.allowedValues.join(', ')}`;
  if (spec.minValue !== undefined || spec.maxValue !== undefined) {
    return `a whole number${spec.minValue !== undefined ? ` from ${spec.minValue}` : ''}${spec.maxValue !== undefined ? ` to ${spec.maxValue}` : ''}`;
  }
  return spec.allowedPattern === undefined ? 'any text' : `text matching ${spec.allowedPattern}`;
}

/**
 * Declares every setting's parameter in `stack` and returns the props they make, with every feature on: the release
 * builds the template with each one on and off, and makes the difference conditional (infra/release/conditions.ts).
 */
export function settingParameters(
  stack: Stack,
  off: AutoInstanceProfileProps = {},
  except: readonly string[] = [],
): AutoInstanceProfileProps {
  let props: AutoInstanceProfileProps = {};
  for (const setting of releaseSettings().filter((row) => !except.includes(row.parameter))) {
    const { description, ...spec } = setting.spec;
    const parameter = new CfnParameter(stack, setting.parameter, {
      ...spec,
      default: setting.spec.default,
      description: `${description ?? `The ${setting.parameter} setting`} (${allowed(setting.spec)}; docs/deploy.md, "Settings")`,
    });
    props = { ...props, ...setting.props(parameter, stack) };
  }
  return { ...props, ...off };
}
