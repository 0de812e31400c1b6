/**
 * The one fake of the CLI's process side (cli/command.ts, `CliIo`) for tests that run a command in-process: stdout
 * and stderr collected as text, an environment of the test's choosing (nothing of the test runner's own), and
 * optionally a stdin to answer a question from and a signal to interrupt with.
 */
import type { CliIo, Input } from '../../cli/command.js';

/** What a test may set; everything else is empty. */
export interface CliIoOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: Input;
  readonly signal?: AbortSignal;
  /** Whether stdout and stderr say they are terminals (progress lines, colour). @default false */
  readonly tty?: boolean;
}

/** A {@link CliIo} that collects what a command writes: `out()` and `err()` give it back. */
export type CollectedIo = CliIo & { readonly out: () => string; readonly err: () => string };

/** A fresh {@link CollectedIo}. */
export function cliIo(options: CliIoOptions = {}): CollectedIo {
  let out = '';
  let err = '';
  const tty = options.tty === true ? { isTTY: true } : {};
  return {
    stdout: { ...tty, write: (text: string) => (out += text) },
    stderr: { ...tty, write: (text: string) => (err += text) },
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    env: options.env ?? {},
    out: () => out,
    err: () => err,
  };
}
