/**
 * The docs' settings tables are the table of core/settings.ts: README.md's "Configure" (the functions' variables, then
 * the stack's own settings), docs/deploy.md's and docs/organization.md's "Settings". Each row's leading cells
 * (variable, context key, prop, default, what it allows) are rendered from the setting's row, in its order, and
 * nothing else is listed; the last cell, what the setting does, is the docs' own prose.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OU_SETTINGS, SERVICE_SETTING_KEYS } from '../../core/ou-settings.js';
import { SETTING_ROWS, type SettingName, type SettingRow } from '../../core/settings.js';
import { contextProps } from '../../infra/context.js';
import { allowedOf, type PropsStack, propRows } from '../../infra/props.js';

const code = (text: string | number | boolean) => `\`${text}\``;

/** A default as the docs give it: as it is typed with `-c`, a Duration or a retention in its unit, or `none`. */
function defaultCell(row: SettingRow): string {
  const value: unknown = 'default' in row ? row.default : undefined;
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return 'none';
  if (Array.isArray(value)) return value.map(code).join(', ');
  if (row.kind === 'duration') return `${value} ${row.unit}`;
  if (row.kind === 'retention') return `${value} days`;
  return code(value as string);
}

/** The cells of a setting's row, by column. */
function cells(name: SettingName, row: SettingRow): Readonly<Record<string, string>> {
  const [key] = contextProps(row.org ? 'organization' : 'service').find(([, prop]) => prop === name) ?? ['none'];
  return {
    variable: row.env === undefined ? 'none' : code(row.env),
    key: key === 'none' ? key : code(key),
    prop: row.setBy === undefined ? code(name) : 'none',
    default: defaultCell(row),
    allowed: allowedOf(row),
  };
}

/** The rows of the table under `heading` whose head row starts with `head`, as cells, the last one left out. */
function docTable(file: string, heading: string, head: string): string[][] {
  const doc = readFileSync(file, 'utf8');
  const start = doc.indexOf(`\n${heading}\n`);
  const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
  const lines = section.slice(section.indexOf(`\n${head}`) + 1).split('\n');
  const rows = lines.slice(
    2,
    lines.findIndex((line) => !line.startsWith('|')),
  );
  return rows.map((line) =>
    line
      .split(/(?<!\\)\|/)
      .slice(1, -2)
      .map((cell) => cell.trim()),
  );
}

/** What a table's rows should begin with: the settings `which` keeps, in the table's order, by `columns`. */
function expected(which: (row: SettingRow) => boolean, columns: readonly string[]): string[][] {
  return SETTING_ROWS.filter(([, row]) => which(row)).map(([name, row]) =>
    columns.map((column) => cells(name, row)[column] ?? ''),
  );
}

const isProp = (stack: PropsStack) => (row: SettingRow) => propRows(stack).some(([, candidate]) => candidate === row);

describe('the docs’ settings tables', () => {
  it.each([
    {
      doc: 'README.md: the variables the functions read',
      rows: docTable('README.md', '## Configure', '| environment variable |'),
      want: expected(
        (row) => row.env !== undefined && row.setBy !== 'stack' && !row.org,
        ['variable', 'key', 'prop', 'default'],
      ),
    },
    {
      doc: "README.md: the stack's own settings",
      rows: docTable('README.md', '## Configure', '| context key (`-c`) |'),
      want: expected((row) => isProp('service')(row) && row.env === undefined, ['key', 'prop', 'default']),
    },
    {
      doc: 'docs/deploy.md',
      rows: docTable('docs/deploy.md', '## Settings', '| context key |'),
      want: expected(isProp('service'), ['key', 'prop', 'default', 'allowed']),
    },
    {
      doc: 'docs/organization.md',
      rows: docTable('docs/organization.md', '## Settings', '| context key |'),
      want: expected(isProp('organization'), ['key', 'prop', 'default', 'allowed']),
    },
  ])('$doc lists every setting, as its row says, in its order', ({ rows, want }) => {
    // Assess
    expect(want.length).toBeGreaterThan(5);
    expect(rows).toEqual(want);
  });
});

describe('docs/organization.md, "Settings per OU"', () => {
  it('lists every setting an OU may set, with its parameter, and names each one refused per OU', () => {
    // Prepare
    const doc = readFileSync('docs/organization.md', 'utf8');
    const section = doc.slice(doc.indexOf('\n### Settings per OU\n'), doc.indexOf('\n### The tag guard\n'));

    // Act
    const rows = docTable('docs/organization.md', '### Settings per OU', '| key in `ouSettings` |');
    const refusedLine = /The settings that add or remove resources \(([^)]+)\)/.exec(
      section.replaceAll('\n', ' '),
    )?.[1];

    // Assess
    expect(rows).toEqual(OU_SETTINGS.map((setting) => [code(setting.key)]));
    expect(section).toContain(
      OU_SETTINGS.map((setting) => `| ${code(setting.key)} | ${code(setting.parameter)} |`).join('\n'),
    );
    const refused = [...SERVICE_SETTING_KEYS.values()].filter((setting) => setting.refusal !== undefined);
    expect(refusedLine?.split(', ')).toEqual(refused.map((setting) => code(setting.key)));
  });
});
