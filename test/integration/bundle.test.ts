/**
 * The build's promises about dist/remediator/index.mjs: one self-contained ESM file, with the AWS SDK
 * and Powertools inside it, that plain `node` of the Lambda runtime's major can import with no
 * node_modules in reach; and the integration tests' promise to run it on that major.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLES } from '../../toolchain/bundles.mjs';
import { LAMBDA_NODE_MAJOR, lambdaNodePath } from '../../toolchain/lambda-node.mjs';
import { invokeBundle, sqsBatch } from './support/bundle.js';

const run = promisify(execFile);
const BUNDLE = BUNDLES.remediator.path;
/**
 * The remediator's size budget, gzipped at level 9 (`gzip -9 -c dist/remediator/index.mjs | wc -c`): 110,554 B
 * before issue 20, whose ownership record and record proof brought the DynamoDB and SQS clients (130,186 B after it);
 * 132,011 B with issue 22's one table of settings (core/settings.ts, core/setting-kinds.ts: every setting's range and
 * why, the organization stack's included, in place of core/config.ts's own).
 */
const GZIP_BUDGET_BYTES = 134_000;
let isolated: string;

beforeAll(async () => {
  isolated = await mkdtemp(join(tmpdir(), 'bundle-'));
  await copyFile(BUNDLE, join(isolated, 'index.mjs'));
});

afterAll(async () => {
  await rm(isolated, { recursive: true, force: true });
});

describe('dist/remediator/index.mjs', () => {
  it("imports with plain node of Lambda's major, away from node_modules, and exports handler", async () => {
    // Act
    const { stdout } = await run(
      lambdaNodePath(),
      [
        '--input-type=module',
        '-e',
        'const m = await import("./index.mjs"); console.log(Object.keys(m).join(","), typeof m.handler, process.version);',
      ],
      { cwd: isolated },
    );

    // Assess
    expect(stdout.trim()).toMatch(new RegExp(`^handler function v${LAMBDA_NODE_MAJOR}\\.`));
  });

  it("runs in the integration tests on the Lambda runtime's Node.js major, whatever Node runs the tests", async () => {
    // Act
    const { result, node } = await invokeBundle(sqsBatch());

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(node?.split('.')[0]).toBe(`v${LAMBDA_NODE_MAJOR}`);
  });

  it('imports nothing but Node built-ins', async () => {
    // Prepare
    const code = await readFile(BUNDLE, 'utf8');

    // Act
    const specifiers = [...code.matchAll(/\bfrom\s*"([^"]+)"|\bimport\s*\(\s*"([^"]+)"\s*\)/g)].map(
      (m) => m[1] ?? m[2],
    );

    // Assess
    expect(specifiers).toContain('node:https');
    expect(specifiers.filter((s) => !s?.startsWith('node:'))).toEqual([]);
  });

  it('is minified, with a source map beside it', async () => {
    // Act
    const [code, map] = await Promise.all([readFile(BUNDLE, 'utf8'), readFile(`${BUNDLE}.map`, 'utf8')]);

    // Assess
    // Minified code keeps only the newlines inside template literals.
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
    expect(JSON.parse(map).sources).toEqual(expect.arrayContaining([expect.stringContaining('core/decide.ts')]));
  });

  it(`is at most ${GZIP_BUDGET_BYTES.toLocaleString('en')} B by gzip -9, with the SDK's package.json cut to its version`, async () => {
    // Prepare
    const code = await readFile(BUNDLE);

    // Act: the budget's own measure, gzip -9 (Node's zlib at level 9 packs the same file a few hundred bytes larger)
    const gzipped = (await run('gzip', ['-9', '-c', BUNDLE], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 }))
      .stdout.length;

    // Assess
    expect(gzipped).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
    // The user agent still carries the IAM client's version; the rest of its package.json is left out.
    const version = JSON.parse(await readFile('node_modules/@aws-sdk/client-iam/package.json', 'utf8')).version;
    expect(code.toString()).toContain(`"${version}"`);
    expect(code.toString()).not.toContain('AWS SDK for JavaScript Iam Client');
  });

  it('carries a stand-in for the aws login profile provider, which a function never uses; the CLI keeps the real one', async () => {
    // Prepare
    const providerText = 'response missing required fields';

    // Act
    const [functionCode, cliCode] = await Promise.all([readFile(BUNDLE, 'utf8'), readFile(BUNDLES.cli.path, 'utf8')]);

    // Assess
    expect(functionCode).not.toContain(providerText);
    expect(functionCode).toContain('aws configure export-credentials --format env');
    expect(cliCode).toContain(providerText);
  });
});
