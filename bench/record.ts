/**
 * The bench's record: each figure beside its baseline from the same run, written as bench/results.json
 * (for tools), bench/RESULTS.md (for people), and the performance table of docs/performance.md between its markers.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';

/** One measured figure and, where there is one, what it is compared with. */
export interface Figure {
  /** What was measured, in words. */
  readonly name: string;
  readonly value: number;
  /** `KiB`, `ms`, `s`, `calls` … */
  readonly unit: string;
  /** The comparison, measured in the same run (or, for a count, the least the case allows). */
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly note?: string;
}

/** A part of the bench: a title, its figures, and how they were measured. */
export interface Section {
  readonly title: string;
  readonly method: string;
  readonly figures: readonly Figure[];
}

/** The whole record of one run. */
export interface BenchRecord {
  readonly date: string;
  readonly commit: string;
  readonly node: string;
  readonly machine: string;
  readonly sections: readonly Section[];
}

/** Where the record goes. */
export const RESULTS_JSON = 'bench/results.json';
export const RESULTS_MD = 'bench/RESULTS.md';
export const PERFORMANCE_DOC = 'docs/performance.md';
/** The document's table lies between these two lines; the bench replaces what is between them. */
export const README_BEGIN = '<!-- bench:begin (written by npm run bench) -->';
export const README_END = '<!-- bench:end -->';

/** The record's heading facts: when, which commit, which Node, which machine. */
export function recordOf(sections: readonly Section[]): BenchRecord {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout: the record says so.
  }
  const cores = cpus();
  return {
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    commit,
    node: process.version,
    machine: `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}`,
    sections,
  };
}

/** The record as Markdown: one table per section, each figure beside its baseline and the ratio. */
export function renderMarkdown(record: BenchRecord, headingLevel = 2): string {
  const hashes = '#'.repeat(headingLevel);
  const lines = [`Measured ${record.date} at commit ${record.commit}, on Node ${record.node}, ${record.machine}.`, ''];
  for (const section of record.sections) {
    lines.push(`${hashes} ${section.title}`, '', section.method, '');
    lines.push('| figure | value | baseline | value | ratio |', '|---|---:|---|---:|---:|');
    for (const figure of section.figures) {
      const { baseline } = figure;
      const ratio = baseline === undefined || baseline.value === 0 ? '' : `${round(figure.value / baseline.value)}×`;
      lines.push(
        `| ${figure.name}${figure.note === undefined ? '' : ` (${figure.note})`} | ${show(figure.value, figure.unit)} | ${baseline?.name ?? ''} | ${baseline === undefined ? '' : show(baseline.value, figure.unit)} | ${ratio} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes bench/results.json, bench/RESULTS.md, and the table of docs/performance.md. */
export async function writeRecord(record: BenchRecord): Promise<void> {
  await writeFile(RESULTS_JSON, `${JSON.stringify(record, null, 2)}\n`);
  await writeFile(
    RESULTS_MD,
    `# Benchmark results\n\nWritten by \`npm run bench\` (bench/index.ts); do not edit by hand.\n\n${renderMarkdown(record)}`,
  );
  const readme = await readFile(PERFORMANCE_DOC, 'utf8');
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin === -1 || end < begin) throw new Error(`${PERFORMANCE_DOC} has no ${README_BEGIN} … ${README_END} section`);
  const table = renderMarkdown(record, 3);
  await writeFile(PERFORMANCE_DOC, `${readme.slice(0, begin + README_BEGIN.length)}\n${table}${readme.slice(end)}`);
}

function show(value: number, unit: string): string {
  const text = Number.isInteger(value) ? value.toLocaleString('en-US') : round(value).toLocaleString('en-US');
  return unit === '' ? text : `${text} ${unit}`;
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3));
}

/** The middle value. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
