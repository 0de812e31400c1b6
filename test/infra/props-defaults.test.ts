/**
 * Defaults documented from the one place they live. Every row of core/settings.ts has TSDoc with a `@default`, read
 * here with the TypeScript compiler, and it is the value the code fills in when the setting is left out: for a prop,
 * what resolveProps and resolveOrganizationProps apply; for a variable no prop sets, what loadConfig reads from an
 * empty environment. The props' types, derived from the rows, carry that TSDoc to whoever uses the construct (an
 * editor shows it on hover), and name exactly the props the code resolves. A `@default - …` (words, no value) means
 * none; `@default [] - …` means the value before the words.
 */
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import { SETTING_ROWS } from '../../core/settings.js';
import { resolveOrganizationProps } from '../../infra/org-props.js';
import { resolveProps } from '../../infra/props.js';

const file = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/**
 * One program over the table and the props' modules, with the repository's compiler options but for `noResolve`:
 * aws-cdk-lib's types are left unread (the props' names and TSDoc are the table's), which keeps it to a second.
 */
const program = ts.createProgram(
  [
    'core/settings.ts',
    'core/organizations.ts',
    'core/pipeline-settings.ts',
    'infra/props.ts',
    'infra/org-props.ts',
  ].map(file),
  {
    strict: true,
    noEmit: true,
    noResolve: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
  },
);
const checker = program.getTypeChecker();

/** Each property of a declared type or variable, with its TSDoc: the text and the `@default` tag's (if any). */
function documented(path: string, declared: string): Map<string, { text: string; default: string | undefined }> {
  const source = program.getSourceFile(file(path));
  const names = source?.statements.flatMap((statement) => {
    if (ts.isTypeAliasDeclaration(statement)) return [statement.name];
    return ts.isVariableStatement(statement) ? statement.declarationList.declarations.map(({ name }) => name) : [];
  });
  const at = names?.find((name) => name.getText(source) === declared);
  if (at === undefined) throw new Error(`no ${declared} in ${path}`);
  const type = checker.getTypeAtLocation(at);
  return new Map(
    checker.getPropertiesOfType(type).map((symbol) => {
      const tag = symbol.getJsDocTags(checker).find((candidate) => candidate.name === 'default');
      const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
      return [symbol.name, { text, default: tag && ts.displayPartsToString(tag.text).trim() }];
    }),
  );
}

/** A `@default` as a value: a literal or a CDK expression (`Duration.seconds(30)`); words after `-` are not. */
function defaultValue(text: string): unknown {
  const value = text.split(/(?:^|\s)- /)[0]?.trim() ?? '';
  if (value === '') return undefined;
  return new Function('Duration', 'RetentionDays', 'ScheduleExpression', `return (${value});`)(
    Duration,
    RetentionDays,
    ScheduleExpression,
  );
}

/** A value in a comparable form: a Duration as seconds, a schedule as its expression. */
function comparable(value: unknown): unknown {
  if (value instanceof Duration) return { seconds: value.toSeconds() };
  if (value instanceof ScheduleExpression) return { schedule: value.expressionString };
  return value;
}

/** What the code fills in for each setting left out. */
const APPLIED: Readonly<Record<string, unknown>> = {
  ...(DEFAULT_CONFIG as unknown as Record<string, unknown>),
  retryMode: DEFAULT_CONFIG.iamRetry.mode,
  maxAttempts: DEFAULT_CONFIG.iamRetry.maxAttempts,
  ...resolveProps(),
  ...resolveOrganizationProps(),
};

describe('the documented defaults of the settings', () => {
  const rows = documented('core/settings.ts', 'SETTINGS');

  it('are on every row, and are what the code applies', () => {
    // Act
    const settings = [...rows.entries()].map(([name, doc]) => ({
      name,
      documented: doc.default === undefined ? 'no @default' : comparable(defaultValue(doc.default)),
      applied: comparable(APPLIED[name]),
    }));

    // Assess
    expect(settings.map(({ name }) => name)).toEqual(SETTING_ROWS.map(([name]) => name));
    expect(settings.filter((entry) => JSON.stringify(entry.documented) !== JSON.stringify(entry.applied))).toEqual([]);
  });

  it.each([
    { path: 'infra/props.ts', name: 'AutoInstanceProfileProps', resolved: resolveProps() },
    { path: 'infra/org-props.ts', name: 'OrganizationProps', resolved: resolveOrganizationProps() },
  ])('reach $name with their rows’ TSDoc, one prop for each setting the code resolves', ({ path, name, resolved }) => {
    // Act
    const props = documented(path, name);

    // Assess
    expect([...props.keys()].sort()).toEqual(Object.keys(resolved).sort());
    expect([...props].filter(([prop, doc]) => doc.text === '' || doc.default !== rows.get(prop)?.default)).toEqual([]);
  });
});
