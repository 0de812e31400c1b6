// Types for toolchain/python-tools.mjs, a plain script so that .ci/run can run it before `npm ci`.

/** The pinned versions, one requirement a line. */
export declare const REQUIREMENTS_FILE: string;
/** The project-local virtual environment, made on first need; ignored by git. */
export declare const VENV_DIR: string;
/** The oldest Python the pinned tools run on, as [major, minor]. */
export declare const MIN_PYTHON: readonly [number, number];
/** The command a user runs to make sure of the tools, or to see why they cannot be had. */
export declare const PYTHON_TOOLS_COMMAND: string;

/** The tools cannot be had; the message is the one line that says what is missing and how to fix it. */
export declare class PythonToolsError extends Error {
  constructor(message: string, options?: ErrorOptions);
}

/** Options for {@link ensurePythonTools}. */
export interface PythonToolsOptions {
  /** The project's root, holding requirements-dev.txt and .venv/. @default the repository's root */
  readonly root?: string;
  /** The environment: its PATH is searched, and the tools' installs run with it. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Told what takes time (the first install). @default silent */
  readonly onProgress?: (line: string) => void;
}

/** Where the Python tools are, and the one line that says which were used. */
export interface PythonTools {
  /** `system`: what the machine ships, nothing installed; `venv`: the pinned versions in .venv/. */
  readonly source: 'system' | 'venv';
  /** The command that runs moto's server: an interpreter, `-m`, `moto.server`; add its arguments. */
  readonly moto: readonly string[];
  /** The cfn-lint executable. */
  readonly cfnLint: string;
  /** The AWS CLI: the one on the PATH if there is one (kept, whatever its version), else the pinned one in .venv/. */
  readonly aws: string;
  /** How a user types the AWS CLI in a shell at the project's root: `aws`, or `.venv/bin/aws`. */
  readonly awsShell: string;
  /** The venv's bin directory, for the PATH of commands that run the tools by name; undefined for `system`. */
  readonly binDir: string | undefined;
  /** One line: which tools were used, from where, and whether anything was installed. */
  readonly line: string;
}

/**
 * Makes sure of the Python tools and says which are used: a finished .venv/, else the system's, else a new
 * .venv/ with the pinned versions. Rejects with a {@link PythonToolsError} when they cannot be had.
 */
export declare function ensurePythonTools(options?: PythonToolsOptions): Promise<PythonTools>;

/**
 * {@link ensurePythonTools} once per process, shared by every caller in it; the first call announces the line
 * (and install progress). @default announce: a line on stderr
 */
export declare function pythonTools(
  options?: PythonToolsOptions & { readonly announce?: (line: string) => void },
): Promise<PythonTools>;

/** Makes these the tools {@link pythonTools} gives in this process, without looking again (a test worker's). */
export declare function usePythonTools(tools: PythonTools): void;

/** An environment whose PATH also finds the tools when they live in .venv/ (appended, so an AWS CLI v2 stays first). */
export declare function withPythonTools(
  tools: PythonTools,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined>;
