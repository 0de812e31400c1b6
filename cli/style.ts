/**
 * Terminal styling shared by the CLI and the local sandbox: colour on a terminal, plain text when
 * piped, and never colour when NO_COLOR is set (https://no-color.org).
 */

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

/** The few styles the output uses; each is the identity when colour is off. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}

/** Builds a {@link Style} that colours with ANSI SGR codes when `enabled`. */
export function createStyle(enabled: boolean): Style {
  const sgr =
    (open: number, close: number) =>
    (text: string): string =>
      enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    green: sgr(32, 39),
    red: sgr(31, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    magenta: sgr(35, 39),
  };
}

/** Marks for a passed and a failed line, with a plain-text equivalent for pipes. */
export function marks(style: Style): { readonly ok: string; readonly fail: string } {
  return style.enabled ? { ok: style.green('✔'), fail: style.red('✘') } : { ok: 'ok  ', fail: 'FAIL' };
}
