/**
 * docs/cli.md and the README say what the CLI's code says: each command's options and exit codes are its `--help`'s
 * own rows, table for table; its help names every option it takes and no other; the README names every exit code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/exit-codes.js';
import { COMMANDS } from '../../cli/main.js';
import { docTables, helpTables } from '../support/help-tables.js';

const DOC = readFileSync('docs/cli.md', 'utf8');

/** The flags a help row names in its left column: `-y, --yes` → `-y`, `--yes`. */
function flagsOf(left: string): string[] {
  return [...left.matchAll(/(?:^|[\s,])(--?[a-z][\w-]*)/g)].map((match) => match[1] ?? '');
}

describe('docs/cli.md', () => {
  it.each([undefined, ...COMMANDS.keys()])(
    'holds the options and exit codes of %s exactly as its --help gives them',
    async (command) => {
      // Prepare
      const heading = `### ${command === undefined ? 'auto-instance-profile' : `\`${command}\``}`;

      // Act
      const section = [heading, ...(await docTables(command))].join('\n\n');

      // Assess
      expect(DOC, `docs/cli.md should hold, as it is:\n\n${section}\n`).toContain(`${section}\n`);
    },
  );

  it('has a table for every exit code the CLI uses, 130 and 141 among them', async () => {
    // Act
    const general = await helpTables();

    // Assess
    const codes = general.find((table) => table.title === 'Exit codes')?.rows.map(([code]) => Number(code));
    expect(codes).toEqual(Object.values(EXIT).sort((a, b) => a - b));
  });
});

describe("each command's --help", () => {
  it.each([...COMMANDS.keys()])('%s: names every option it takes, and no other', async (name) => {
    // Prepare
    const command = COMMANDS.get(name);
    const options = Object.entries(command?.options ?? {}).flatMap(([option, { short }]) => [
      `--${option}`,
      ...(short === undefined ? [] : [`-${short}`]),
    ]);

    // Act
    const rows = (await helpTables(name)).find((table) => table.title === 'Options')?.rows ?? [];
    const named = rows.flatMap(([left]) => flagsOf(left));

    // Assess
    expect([...new Set(named)].sort()).toEqual(options.sort());
  });
});

describe('README.md', () => {
  it('names every exit code of the CLI where it sums them up', () => {
    // Prepare
    const readme = readFileSync('README.md', 'utf8').replace(/\s+/g, ' ');

    // Act
    const sentence = /Exit codes: ([^.]*)\./.exec(readme)?.[1] ?? '';

    // Assess
    expect([...sentence.matchAll(/\b(\d+) /g)].map((match) => Number(match[1]))).toEqual(
      Object.values(EXIT).sort((a, b) => a - b),
    );
  });
});
