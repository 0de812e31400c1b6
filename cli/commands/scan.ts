/** `auto-instance-profile scan`: which roles need a profile, and which conflict. Reports; changes nothing. */

import { ACCOUNT_OPTIONS, COMMON_ROWS, configFrom, EXCLUDE_OPTION, EXCLUDE_ROW, openIam } from '../account.js';
import { EXIT_CODE_SECTION, formatHelp, type HelpRow, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../output.js';
import { scanDocument, scanRows, scanWithProgress, summaryLine, writeHeader, writeTable } from '../scan/report.js';
import { createStyle, shouldColor } from '../style.js';

const USAGE = formatHelp(
  'auto-instance-profile scan [options]',
  'Reads every role of the account in pages and reports the EC2 roles that need an instance profile and the ' +
    'conflicts (a profile of the role’s name that is not ours, or holds another role). Changes nothing.',
  [
    {
      title: 'Options',
      rows: [
        ['--json', 'print { summary: {scanned, ec2Roles, missing, conflicts, optedOut, created}, missing, conflicts }'],
        EXCLUDE_ROW,
        ...COMMON_ROWS,
      ],
    },
    {
      ...EXIT_CODE_SECTION,
      rows: EXIT_CODE_SECTION.rows.map(
        ([code, meaning]): HelpRow =>
          code === String(EXIT.ok)
            ? [code, 'every EC2 role has its profile, no conflicts']
            : code === String(EXIT.failed)
              ? [code, 'roles need a profile, or conflicts were found']
              : [code, meaning],
      ),
    },
  ],
);

const OPTIONS = { ...ACCOUNT_OPTIONS, ...EXCLUDE_OPTION } as const;

/** The scan command. */
export const scanCommand: Command = {
  name: 'scan',
  summary: 'report the EC2 roles that need an instance profile, and conflicts; changes nothing',
  async run(args, io) {
    const values = parseCommandArgs(args, OPTIONS);
    if (values.help) {
      io.stdout.write(USAGE);
      return EXIT.ok;
    }
    const config = configFrom(values['exclude-path'], io.env);
    const { identity, iam } = await openIam('scan', values, io, config);
    try {
      const report = await scanWithProgress(iam, config, io);
      if (values.json) writeJson(io.stdout, scanDocument(identity, report));
      else {
        const style = createStyle(shouldColor(io.stdout, io.env));
        writeHeader(io.stdout, style, identity);
        writeTable(io.stdout, style, scanRows(report));
        io.stdout.write(`${summaryLine(report)}\n`);
      }
      return report.missing.length === 0 && report.conflicts.length === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      iam.destroy();
    }
  },
};
