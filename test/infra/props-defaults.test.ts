/**
 * Defaults documented from the one place they live: every prop of the construct (infra/props.ts) and of the
 * organization stack (infra/org-props.ts) has a TSDoc `@default`, read here with the TypeScript compiler, and it is
 * the value the code fills in when the prop is left out (resolveProps, resolveOrganizationProps). A `@default - …`
 * (words, no value) means the code leaves it undefined.
 */
import { readFileSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { resolveOrganizationProps } from '../../infra/org-props.js';
import { resolveProps } from '../../infra/props.js';

/** Each property of an interface with its `@default` tag's text (undefined when it has none). */
function documentedDefaults(file: string, interfaceName: string): Map<string, string | undefined> {
  const path = new URL(`../../${file}`, import.meta.url);
  const source = ts.createSourceFile(file, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = new Map<string, string | undefined>();
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === interfaceName) {
      for (const member of node.members) {
        if (!ts.isPropertySignature(member)) continue;
        const tag = ts.getJSDocTags(member).find((candidate) => candidate.tagName.text === 'default');
        const text = tag === undefined ? undefined : ts.getTextOfJSDocComment(tag.comment)?.trim();
        found.set(member.name.getText(source), text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (found.size === 0) throw new Error(`no properties of ${interfaceName} in ${file}`);
  return found;
}

/**
 * A `@default` as a value: a literal or a CDK expression (`Duration.seconds(30)`), with what it means after ` - `
 * (`[] - no operator role`); words alone after `- ` mean none.
 */
function defaultValue(text: string): unknown {
  if (text.startsWith('- ')) return undefined;
  const [value = text] = text.split(' - ');
  return new Function('Duration', 'RetentionDays', 'ScheduleExpression', `return (${value});`)(
    Duration,
    RetentionDays,
    ScheduleExpression,
  );
}

/** A resolved value in a comparable form: a Duration as seconds, a schedule as its expression. */
function comparable(value: unknown): unknown {
  if (value instanceof Duration) return { seconds: value.toSeconds() };
  if (value instanceof ScheduleExpression) return { schedule: value.expressionString };
  return value;
}

const CASES = [
  { file: 'infra/props.ts', name: 'AutoInstanceProfileProps', resolved: resolveProps({}) },
  { file: 'infra/org-props.ts', name: 'OrganizationProps', resolved: resolveOrganizationProps({}) },
] as const;

describe('the documented defaults of the props', () => {
  it.each(CASES)('$name: every prop has a @default, and it is what the code applies', ({ file, name, resolved }) => {
    // Prepare
    const documented = documentedDefaults(file, name);

    // Act
    const props = [...documented.entries()].map(([prop, text]) => ({
      prop,
      documented: text === undefined ? 'no @default' : comparable(defaultValue(text)),
      applied: comparable((resolved as unknown as Record<string, unknown>)[prop]),
    }));

    // Assess
    expect(props.length).toBeGreaterThan(5);
    expect(props.filter((entry) => JSON.stringify(entry.documented) !== JSON.stringify(entry.applied))).toEqual([]);
    expect(Object.keys(resolved).sort()).toEqual([...documented.keys()].sort());
  });
});
