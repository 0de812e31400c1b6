/**
 * What every command's output shares: a header naming the account and region (so that a loop over many
 * accounts can tell reports apart), the same fields in `--json`, and a progress line on a terminal only.
 */
import type { AwsSession } from './aws.js';
import type { Output } from './command.js';
import type { Style } from './style.js';

/** The fields that open every `--json` report. */
export interface ReportIdentity {
  readonly command: string;
  readonly account: string;
  readonly region: string;
  readonly profile?: string;
  readonly caller: string;
}

/** The identity fields of a session, for a `--json` report. */
export function reportIdentity(command: string, session: AwsSession): ReportIdentity {
  return {
    command,
    account: session.account,
    region: session.region,
    ...(session.profile === undefined ? {} : { profile: session.profile }),
    caller: session.caller,
  };
}

/** The first line of a text report: `auto-instance-profile doctor  account 123456789012 · region us-east-1 …`. */
export function headerLine(
  style: Style,
  cliName: string,
  identity: ReportIdentity,
  extra: readonly string[] = [],
): string {
  const parts = [
    `account ${identity.account}`,
    `region ${identity.region}`,
    ...(identity.profile === undefined ? [] : [`profile ${identity.profile}`]),
    ...extra,
  ];
  return `${style.bold(`${cliName} ${identity.command}`)}  ${style.dim(parts.join(' · '))}\n`;
}

/** Writes a value as indented JSON and a newline. */
export function writeJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A line that rewrites itself in place, for waits. Nothing at all is written unless the stream is a terminal. */
export interface ProgressLine {
  update(text: string): void;
  /** Clears the line, so that what follows starts on a clean one. */
  done(): void;
}

/** A {@link ProgressLine} on a stream: `\r` and erase-line on a TTY, silence when piped. */
export function progressLine(out: Output): ProgressLine {
  if (out.isTTY !== true) return { update: () => undefined, done: () => undefined };
  let shown = false;
  return {
    update(text) {
      out.write(`\r\u001b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) out.write('\r\u001b[2K');
      shown = false;
    },
  };
}

/** The outcome of one line of a report: a check, or later a role `scan` looked at. */
export type LineStatus = 'ok' | 'warning' | 'paused' | 'failed' | 'not-checked';

/** A fixed-width mark for a status: symbols on a colour terminal, words when piped. */
export function statusMark(style: Style, status: LineStatus): string {
  if (style.enabled) {
    return {
      ok: style.green('✔'),
      warning: style.yellow('!'),
      paused: style.cyan('‖'),
      failed: style.red('✘'),
      'not-checked': style.dim('–'),
    }[status];
  }
  return { ok: 'ok  ', warning: 'WARN', paused: 'PAUS', failed: 'FAIL', 'not-checked': '--  ' }[status];
}
