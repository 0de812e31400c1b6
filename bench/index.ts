/**
 * `npm run bench`: the project's record of performance. Each figure is measured beside its baseline in the
 * same run, and the whole is written to bench/results.json, bench/RESULTS.md and the table of docs/performance.md.
 *
 *   npm run bench                       every section, then the record is written
 *   npm run bench -- --only burst,scan  some sections, printed; the record is left as it is
 *
 * Sizes: BURST_ROLES (default 300), SCAN_ROLES (default 2000), ORG_ACCOUNTS (default 20).
 */
import { formatHelp, HELP_OPTION, HELP_ROW, parseCommandArgs } from '../cli/args.js';
import { UsageError } from '../cli/errors.js';
import { parseWhole } from '../core/setting-kinds.js';
import { bundleSections } from './bundle.js';
import { burstSection } from './burst.js';
import { orgScanSection } from './org-scan.js';
import { recordOf, renderMarkdown, type Section, writeRecord } from './record.js';
import { scanSection } from './scan.js';
import { warmSection } from './warm.js';

/** The burst's seed: the same faults on every run. */
const BURST_SEED = 2026;

const SECTIONS: Record<string, () => Promise<Section[]>> = {
  bundle: bundleSections,
  warm: async () => [await warmSection()],
  burst: async () => [await burstSection(count('BURST_ROLES', 300), BURST_SEED)],
  scan: async () => [await scanSection(count('SCAN_ROLES', 2000))],
  'org-scan': async () => [await orgScanSection(count('ORG_ACCOUNTS', 20), 100)],
};

function count(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const count = parseWhole(raw);
  if (count === undefined || count < 10) throw new Error(`${name} must be a whole number of at least 10`);
  return count;
}

const USAGE = formatHelp(
  'npm run bench -- [--only SECTION,…]',
  "The project's record of performance: each figure beside its baseline in the same run. Without --only, the record " +
    'is written to bench/results.json, bench/RESULTS.md and the table of docs/performance.md. Sizes: BURST_ROLES ' +
    '(default 300), SCAN_ROLES (default 2000), ORG_ACCOUNTS (default 20).',
  [
    {
      title: 'Options',
      rows: [
        [
          '--only SECTION,…',
          `some sections, printed; the record is left as it is: ${Object.keys(SECTIONS).join(', ')}`,
        ],
        HELP_ROW,
      ],
    },
  ],
);

/** The sections asked for (all when undefined); exits on `--help` (0) and on a bad command line (2). */
function sectionsAsked(): string[] | undefined {
  try {
    const values = parseCommandArgs(process.argv.slice(2), { ...HELP_OPTION, only: { type: 'string' } });
    if (values.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    const only = values.only?.split(',').map((name) => name.trim());
    const unknown = only?.filter((name) => !(name in SECTIONS)) ?? [];
    if (unknown.length > 0) {
      throw new UsageError(`no section ${unknown.join(', ')}; the sections: ${Object.keys(SECTIONS).join(', ')}`);
    }
    return only;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`npm run bench: ${error.message} (see npm run bench -- --help)\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const only = sectionsAsked();
  const sections: Section[] = [];
  for (const [name, measure] of Object.entries(SECTIONS)) {
    if (only !== undefined && !only.includes(name)) continue;
    console.log(`# ${name}`);
    sections.push(...(await measure()));
  }
  const record = recordOf(sections);
  console.log(`\n${renderMarkdown(record)}`);
  if (only === undefined) {
    await writeRecord(record);
    console.log('written: bench/results.json, bench/RESULTS.md and the table of docs/performance.md');
  } else {
    console.log('--only: the record (bench/results.json, bench/RESULTS.md, docs/performance.md) is left as it is');
  }
}

await main();
