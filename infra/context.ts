/**
 * The props as CDK context, so the deployed app is configured without editing code:
 * `npm run deploy -- -c settleDelaySeconds=60 -c ignoredCallers=cloudformation.amazonaws.com`, or the same keys
 * under "context" in cdk.json. Values from `-c` arrive as strings, read as the functions read their variables
 * (core/setting-kinds.ts); values from cdk.json keep their JSON type. Each prop has its key (core/settings.ts,
 * `contextKey`). The organization stack (infra/org-stack.ts) reads the service's keys for the service it puts into
 * every account, and its own.
 *
 * A mistyped key must not be ignored silently: CDK's own context keys all contain `:` (feature flags
 * `@aws-cdk/…:…`, `aws:cdk:…`, lookups such as `availability-zones:…`), so any key without `:` or `@`
 * that is not one of ours stops synthesis, with the list of ours.
 */
import type { Construct } from 'constructs';
import { AutoInstanceProfileError } from '../core/errors.js';
import { OU_SETTINGS_KEY } from '../core/ou-settings.js';
import { fromText, problemOf, shown } from '../core/setting-kinds.js';
import { contextKey } from '../core/settings.js';
import type { OrganizationProps } from './org-props.js';
import {
  type AutoInstanceProfileProps,
  InvalidSettingError,
  type PropsOf,
  type PropsStack,
  propProblem,
  propRows,
  toProp,
} from './props.js';

/** A stack's context keys, each with the prop it sets, in the table's order (the docs' settings tables list them so). */
export function contextProps(stack: PropsStack): readonly (readonly [key: string, prop: string])[] {
  return propRows(stack).map(([name, row]) => [contextKey(name, row), name]);
}

/** Every context key this app reads: the service's, then the organization stack's, then its settings per OU. */
export const APP_CONTEXT_KEYS: readonly string[] = [
  ...[...contextProps('service'), ...contextProps('organization')].map(([key]) => key),
  OU_SETTINGS_KEY,
];

/** A context key that looks like one of ours (no `:` or `@`) but is not one. */
export class UnknownContextKeyError extends AutoInstanceProfileError {
  constructor(readonly keys: readonly string[]) {
    const named = keys.map((key) => {
      const meant = likelyKey(key);
      return meant === undefined ? key : `${key} (did you mean ${meant}?)`;
    });
    super(
      `Unknown context key${keys.length > 1 ? 's' : ''} ${named.join(', ')}. The keys this app reads: ${APP_CONTEXT_KEYS.join(', ')} (docs/deploy.md, "Settings"; docs/organization.md, "Settings")`,
    );
    this.name = 'UnknownContextKeyError';
  }
}

/**
 * Reads the props from `scope`'s context. A key that is not set stays out, so the construct's default
 * applies. Throws {@link UnknownContextKeyError} for a key of ours that does not exist, and
 * {@link InvalidSettingError} naming the context key, and the value as typed, for one the construct would refuse.
 */
export function propsFromContext(scope: Construct): AutoInstanceProfileProps {
  return readContext(scope, 'service');
}

/** The organization stack's own props from `scope`'s context, as {@link propsFromContext} reads the service's. */
export function organizationPropsFromContext(scope: Construct): OrganizationProps {
  return readContext(scope, 'organization');
}

function readContext<Stack extends PropsStack>(scope: Construct, stack: Stack): PropsOf<Stack> {
  const unknown = Object.keys(scope.node.getAllContext()).filter(
    (key) => !/[:@]/.test(key) && !APP_CONTEXT_KEYS.includes(key),
  );
  if (unknown.length > 0) throw new UnknownContextKeyError(unknown);

  const props: Record<string, unknown> = {};
  for (const [name, row] of propRows(stack)) {
    const key = contextKey(name, row);
    const raw = scope.node.tryGetContext(key) as unknown;
    if (raw === undefined) continue;
    const plain = typeof raw === 'string' ? fromText(row, raw) : (problemOf(row, raw) ?? { value: raw });
    if ('requirement' in plain) throw contextError(key, plain.requirement, plain.got);
    const value = toProp(row, plain.value, scope, name);
    const problem = propProblem(row, value);
    // The user typed the key and its text, not the prop: name those (a list's offending entry as it stands).
    if (problem !== undefined)
      throw contextError(key, problem.requirement, row.kind === 'list' ? problem.got : shown(raw));
    props[name] = value;
  }
  return props as PropsOf<Stack>;
}

function contextError(key: string, requirement: string, got: string): InvalidSettingError {
  return new InvalidSettingError(key, requirement, got, { context: true });
}

/** The key of ours that `key` most likely meant: same letters in another case, or one is the start of the other. */
function likelyKey(key: string): string | undefined {
  const typed = key.toLowerCase();
  return APP_CONTEXT_KEYS.find((known) => {
    const candidate = known.toLowerCase();
    return candidate === typed || candidate.startsWith(typed) || typed.startsWith(candidate);
  });
}
