/**
 * The docs are tested, so that they cannot drift: every ```bash / ```sh block of README.md and docs/*.md
 * carries one of two markers in its fence.
 *
 * - `runnable`: run here, on the fresh build, with `bash -e -o pipefail` from the repository's root, in
 *   order within its document. Each must exit 0. The documented local moto (http://127.0.0.1:5055) is
 *   this test's own fresh moto; `npm ci` is skipped, since the dependencies it installs are what runs the
 *   test; nothing else is changed.
 * - `account`: needs a real AWS account, or keeps running until stopped (`npm start`, `npm test`): checked
 *   with `bash -n` only. Blocks that need the running sandbox are marked `account sandbox`; those are run
 *   against one by test/acceptance/sandbox-running.test.ts.
 *
 * The blocks run with fake credentials and empty shared config files: a block reaches moto only as the
 * document tells the reader to, and nothing can reach an account.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { cliEnv } from '../integration/support/cli.js';

/** The documents whose shell blocks are tested. */
const DOCUMENTS = [
  'README.md',
  ...readdirSync('docs').flatMap((name) => (name.endsWith('.md') ? [`docs/${name}`] : [])),
];
/** The moto address the README tells the reader to start. */
const DOCUMENTED_MOTO_URL = 'http://127.0.0.1:5055';
const MARKERS = ['runnable', 'account'] as const;
const SHELLS = new Set(['bash', 'sh', 'shell']);
/** Long enough for `npm run synth` and `npm start -- --once` on a busy machine. */
const BLOCK_TIMEOUT_MS = 150_000;

/** One fenced shell block. */
interface ShellBlock {
  readonly document: string;
  /** The line of its opening fence, 1-based. */
  readonly line: number;
  readonly marker: (typeof MARKERS)[number] | undefined;
  readonly code: string;
}

/** The ```bash / ```sh blocks of a Markdown text, with the marker after the language, if any. */
function shellBlocks(document: string, markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*(\S*)\s*(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const fence = open[1] ?? '```';
    // A fence closes with the same character, at least as many times, and nothing else on the line.
    const closing = new RegExp(`^ {0,3}\\${fence[0]}{${fence.length},}\\s*$`);
    const close = lines.findIndex((text, j) => j > i && closing.test(text));
    const end = close === -1 ? lines.length : close;
    if (SHELLS.has(open[2] ?? '')) {
      const info = (open[3] ?? '').trim().split(/\s+/);
      blocks.push({
        document,
        line: i + 1,
        marker: MARKERS.find((marker) => info.includes(marker)),
        code: lines.slice(i + 1, end).join('\n'),
      });
    }
    i = end;
  }
  return blocks;
}

const where = (block: ShellBlock) => `${block.document}:${block.line}`;

/** Each document's text, read when the tests are collected, so that each document with runnable blocks gets a test. */
const TEXTS = new Map(DOCUMENTS.map((path) => [path, readFileSync(path, 'utf8')] as const));
const blocks = DOCUMENTS.flatMap((path) => shellBlocks(path, TEXTS.get(path) ?? ''));

let moto: MotoServer;
let work: string;
let env: Record<string, string>;

/** Runs a script with bash and resolves to its exit code and its output, stdout and stderr interleaved. */
function bash(
  args: readonly string[],
  script: string,
): Promise<{ readonly code: number | null; readonly output: string }> {
  return new Promise((resolve, reject) => {
    // The script as an argument, not on stdin, where a command in it could read the rest of it.
    const child = spawn('bash', [...args, '-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, BLOCK_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

beforeAll(async () => {
  [moto, work] = await Promise.all([startMoto(), mkdtemp(join(tmpdir(), 'aip-docs-'))]);
  await Promise.all([writeFile(join(work, 'config'), ''), writeFile(join(work, 'credentials'), '')]);
  // `npm ci` would reinstall the very node_modules this test runs from; everything else goes to the real npm.
  const npm = execFileSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  await writeFile(
    join(work, 'npm'),
    `#!/bin/sh\nif [ "$1" = ci ]; then echo "docs test: npm ci skipped, the dependencies are installed" >&2; exit 0; fi\nexec "${npm}" "$@"\n`,
  );
  await chmod(join(work, 'npm'), 0o755);
  env = cliEnv(work, {
    PATH: `${work}:${process.env.PATH ?? ''}`,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_MAX_ATTEMPTS: '3',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
});

afterAll(async () => {
  await Promise.all([moto?.stop(), work === undefined ? undefined : rm(work, { recursive: true, force: true })]);
});

describe('the shell blocks of README.md and docs/*.md', () => {
  it('finds fenced blocks and their markers', () => {
    // Prepare
    const markdown = ['```bash runnable', 'echo 1', '```', '````sh', '```', '````', '```json', '{}', '```'].join('\n');

    // Act
    const found = shellBlocks('x.md', markdown);

    // Assess
    expect(found).toEqual([
      { document: 'x.md', line: 1, marker: 'runnable', code: 'echo 1' },
      { document: 'x.md', line: 4, marker: undefined, code: '```' },
    ]);
  });

  it('are each marked runnable or account', () => {
    // Prepare: the blocks. Act
    const unmarked = blocks.filter((block) => block.marker === undefined).map(where);

    // Assess
    expect(blocks.length).toBeGreaterThan(0);
    expect(unmarked, 'mark each ```bash block "runnable" (tested) or "account" (syntax only)').toEqual([]);
  });

  it('give every loopback server the one documented port, which is not 5000: macOS gives that to AirPlay', () => {
    // Prepare: the documents, prose and blocks. Act
    const ports = [...TEXTS].flatMap(([path, text]) =>
      [...text.matchAll(/(?:127\.0\.0\.1|localhost)(?::| -p )(\d+)/g)].map((match) => `${path}: ${match[1]}`),
    );

    // Assess
    expect(ports.length).toBeGreaterThan(0);
    expect(ports.filter((port) => !port.endsWith(`: ${new URL(DOCUMENTED_MOTO_URL).port}`))).toEqual([]);
  });

  it("run the CLI from a clone one way, npm run cli (npx auto-instance-profile is the installed package's)", () => {
    // Prepare: the documents, prose and blocks. Act
    const other = [...TEXTS].filter(([, text]) => /node dist\/cli\/index\.mjs/.test(text));

    // Assess
    expect(other.map(([path]) => path)).toEqual([]);
    expect(blocks.some((block) => block.code.includes('npm run cli -- '))).toBe(true);
  });

  it('that need an account are valid bash', async () => {
    // Prepare
    const account = blocks.filter((block) => block.marker === 'account');

    // Act
    const results = await Promise.all(account.map(async (block) => ({ block, ...(await bash(['-n'], block.code)) })));

    // Assess
    const invalid = results.filter((result) => result.code !== 0).map((r) => `${where(r.block)}: ${r.output}`);
    expect(account.length).toBeGreaterThan(0);
    expect(invalid).toEqual([]);
  });

  describe.concurrent('that are runnable exit 0 on the fresh build', () => {
    const documents = DOCUMENTS.filter((path) => blocks.some((b) => b.document === path && b.marker === 'runnable'));
    for (const document of documents) {
      it(
        document,
        async () => {
          // Prepare
          const runnable = blocks.filter((block) => block.document === document && block.marker === 'runnable');

          // Act, one block after the other, as a reader goes down the page
          const failures: string[] = [];
          for (const block of runnable) {
            const script = block.code.replaceAll(DOCUMENTED_MOTO_URL, moto.url);
            const { code, output } = await bash(['-e', '-o', 'pipefail'], script);
            if (code !== 0) {
              failures.push(`${where(block)} exited ${code}\n--- block ---\n${block.code}\n--- output ---\n${output}`);
            }
          }

          // Assess
          expect(failures).toEqual([]);
        },
        BLOCK_TIMEOUT_MS * 2,
      );
    }
  });
});
