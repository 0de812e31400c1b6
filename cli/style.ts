/**
 * Terminal styling shared by the CLI and the local sandbox: colour on a terminal, plain text when piped, and never
 * colour when NO_COLOR is set (https://no-color.org). The escape codes are node:util's `styleText`; whether to
 * colour is decided here, from the command's own environment, which `styleText`'s own check would read from the
 * process's.
 */
import { styleText } from 'node:util';

/** The environment variables that decide colour. */
export interface ColorEnv {
  readonly NO_COLOR?: string | undefined;
  readonly FORCE_COLOR?: string | undefined;
  readonly TERM?: string | undefined;
}

/**
 * Whether to colour output written to a stream: NO_COLOR (any non-empty value) wins, then
 * FORCE_COLOR (`0` or `false` turns colour off), then a dumb terminal, then whether it is a TTY.
 */
export function shouldColor(stream: { readonly isTTY?: boolean | undefined }, env: ColorEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR.toLowerCase() !== 'false';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** The styles the output uses. */
const STYLES = ['bold', 'dim', 'green', 'red', 'yellow', 'cyan', 'magenta'] as const;

/** The few styles the output uses; each is the identity when colour is off. */
export type Style = { readonly enabled: boolean } & Readonly<Record<(typeof STYLES)[number], (text: string) => string>>;

/** Builds a {@link Style} that colours with `styleText` when `enabled`. */
export function createStyle(enabled: boolean): Style {
  const style = (format: (typeof STYLES)[number]) => (text: string) =>
    enabled ? styleText(format, text, { validateStream: false }) : text;
  return { enabled, ...Object.fromEntries(STYLES.map((format) => [format, style(format)])) } as Style;
}

/** Marks for a passed and a failed line, with a plain-text equivalent for pipes. */
export function marks(style: Style): { readonly ok: string; readonly fail: string } {
  return style.enabled ? { ok: style.green('✔'), fail: style.red('✘') } : { ok: 'ok  ', fail: 'FAIL' };
}
