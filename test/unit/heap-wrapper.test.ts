/**
 * The reconcile function's exec wrapper (functions/reconcile/heap-wrapper.sh): given the command line Lambda starts the
 * runtime with, it runs that command with its heap flags after Lambda's flags and before the runtime's script.
 * `echo` stands in for node, so the command it runs is what it prints.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLES, REPO_ROOT } from '../../toolchain/bundles.mjs';

const WRAPPER = join(REPO_ROOT, BUNDLES.reconcile.execWrapper?.source ?? 'no exec wrapper');

function runWrapper(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync('sh', [WRAPPER, ...args], { encoding: 'utf8' });
  return { status, stdout, stderr };
}

describe('heap-wrapper.sh', () => {
  it("puts its heap flags after Lambda's flags, before the runtime's script, keeping every argument whole", () => {
    // Act
    const { status, stdout } = runWrapper([
      'echo',
      '--max-semi-space-size=12',
      '--max-old-space-size=231',
      '--max-http-header-size',
      '81920',
      'an argument with spaces',
      '/var/runtime/index.mjs',
    ]);

    // Assess
    expect(status).toBe(0);
    expect(stdout).toBe(
      '--max-semi-space-size=12 --max-old-space-size=231 --max-http-header-size 81920 an argument with spaces ' +
        '--max-semi-space-size=1 --optimize-for-size /var/runtime/index.mjs\n',
    );
  });

  it('passes a bare script through with its heap flags before it', () => {
    // Act
    const { status, stdout } = runWrapper(['echo', '/var/runtime/index.mjs']);

    // Assess
    expect(status).toBe(0);
    expect(stdout).toBe('--max-semi-space-size=1 --optimize-for-size /var/runtime/index.mjs\n');
  });

  it('refuses a command line without a script, saying what it expected', () => {
    // Act
    const { status, stderr } = runWrapper(['echo']);

    // Assess
    expect(status).toBe(2);
    expect(stderr).toContain('expected <interpreter> [flags…] <script>');
  });
});
