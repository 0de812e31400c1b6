#!/usr/bin/env node
// `npm run synth` and `npm run deploy`: the CDK CLI with the same arguments, whose lines that lead nowhere are
// replaced by what to do: where synth wrote the templates (not "Supply a stack id"), the app's own one-line
// error without CDK's "Subprocess exited with error 1" after it, and what to do when no credentials are found.
// Only stderr passes through here, line by line (a line cut short, as a prompt is, is written at once);
// stdin and stdout stay the terminal's.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What to say when the CDK CLI finds no credentials: the one step to take, and where to check it. */
export const NO_CREDENTIALS_HINT =
  'No AWS credentials were found: sign in first (aws configure, aws sso login, or AWS_PROFILE=<profile>), then run ' +
  'the command again; `npm run cli -- doctor` checks the credentials and the region.';

/** SGR escape sequences (ESC [ … m), built from a string because a regex literal may not hold a control character. */
const COLOUR_CODES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The templates synth wrote in a cloud assembly directory, nested stacks' (the organization's member stack) included. */
export function templatesIn(dir) {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.template.json'));
  } catch {
    return undefined;
  }
}

/**
 * The lines to print for one line of the CDK CLI's stderr. `state.appFailed` records that the app printed its
 * own `Error: …` line, after which CDK's note that the app exited adds nothing; `state.outdir`, where synth wrote.
 */
export function rewriteCdkLine(line, state, listTemplates = templatesIn) {
  // Colour codes (CDK colours its lines on a terminal) are left out of what is matched.
  const plain = line.replace(COLOUR_CODES, '');
  const outdir = /^Successfully synthesized to (.+)$/.exec(plain)?.[1];
  if (outdir !== undefined) state.outdir = outdir;
  const stacks = /^Supply a stack id \((.*)\) to display its template\.$/.exec(plain);
  if (stacks?.[1] !== undefined) {
    // Every template in the assembly, as the directory has them: CDK names the top-level stacks only.
    const dir = state.outdir ?? 'cdk.out';
    const written = listTemplates(dir) ?? stacks[1].split(', ').map((stack) => `${stack}.template.json`);
    const shown = relative(process.cwd(), dir) || '.';
    return [`The templates: ${written.map((name) => join(shown, name)).join(', ')}.`];
  }
  if (plain.startsWith('Error: ')) state.appFailed = true;
  if (state.appFailed && /: Subprocess exited with error \d+$/.test(plain)) return [];
  if (plain.startsWith('Unable to resolve AWS account to use')) return [line, NO_CREDENTIALS_HINT];
  return [line];
}

function main() {
  const cdk = createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');
  // CDK colours what it writes only on a terminal; its stderr is now a pipe, so say when this one's is a terminal.
  const colour = process.stderr.isTTY && process.env.NO_COLOR === undefined && process.env.FORCE_COLOR === undefined;
  const child = spawn(process.execPath, [cdk, ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: colour ? { ...process.env, FORCE_COLOR: '1' } : process.env,
  });
  const state = { appFailed: false };
  let pending = '';
  // Whether the start of the pending line has already been written (a prompt waits for its answer on it).
  let written = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (written) process.stderr.write(`${line}\n`);
      else for (const out of rewriteCdkLine(line, state)) process.stderr.write(`${out}\n`);
      written = false;
    }
    if (pending !== '') {
      process.stderr.write(pending);
      pending = '';
      written = true;
    }
  });
  // Ctrl-C reaches the CDK CLI from the terminal, as the whole process group's; this process waits for it to stop.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('close', (code) => {
    if (pending !== '') process.stderr.write(pending);
    process.exitCode = code ?? 1;
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
