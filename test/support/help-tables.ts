/**
 * A command's `--help`, read back into its sections, and rendered as the Markdown tables docs/cli.md holds: the
 * docs' tables of options and exit codes are the help's own rows, so that the two cannot say different things.
 */
import { runCli } from '../../cli/main.js';
import { cliIo } from './cli-io.js';

/** One help section: its title and rows, a continuation row with an empty left column. */
export interface HelpTable {
  readonly title: string;
  readonly rows: readonly (readonly [left: string, right: string])[];
}

/** The sections of `auto-instance-profile [command] --help`: `Title:` and rows of two columns (cli/args.ts, formatRows). */
export async function helpTables(command?: string): Promise<HelpTable[]> {
  const io = cliIo();
  await runCli(command === undefined ? ['--help'] : [command, '--help'], io);
  return io
    .out()
    .split('\n\n')
    .filter((part) => /^[A-Z][\w ]*:\n {2}/.test(part))
    .map((part) => {
      const [title = '', ...lines] = part.trimEnd().split('\n');
      const width = Math.max(...lines.map((line) => /^ {2}(\S+(?: \S+)*) {2,}/.exec(line)?.[1]?.length ?? 0));
      return {
        title: title.slice(0, -1),
        rows: lines.map((line) => [line.slice(2, 2 + width).trim(), line.slice(4 + width).trim()] as const),
      };
    });
}

/** How docs/cli.md gives a kind of section: its table's head, and whether the left column is code. */
export interface TableStyle {
  readonly head: readonly [string, string];
  readonly code: boolean;
}

/** The sections of a help that docs/cli.md holds as tables, by title. */
export const TABLE_STYLES: Readonly<Record<string, TableStyle>> = {
  Checks: { head: ['check', 'what it checks'], code: true },
  Options: { head: ['option', 'meaning'], code: true },
  'Exit codes': { head: ['exit code', 'meaning'], code: false },
};

/** A help section as a Markdown table; `|` escaped. */
export function markdownTable(table: HelpTable, style: TableStyle): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const left = (text: string) => (text === '' || !style.code ? cell(text) : `\`${cell(text)}\``);
  return [
    `| ${style.head[0]} | ${style.head[1]} |`,
    '|---|---|',
    ...table.rows.map(([name, meaning]) => `| ${left(name)} | ${cell(meaning)} |`),
  ].join('\n');
}

/** The tables docs/cli.md holds for a command (the CLI's own without one), in the order of its help. */
export async function docTables(command?: string): Promise<string[]> {
  return (await helpTables(command)).flatMap((table) => {
    const style = TABLE_STYLES[table.title];
    return style === undefined ? [] : [markdownTable(table, style)];
  });
}
