/** Every file the package ships, and why. */
export declare const SHIPPED: readonly { readonly path: RegExp; readonly why: string }[];
/** The files that must be there for the package to work. */
export declare const REQUIRED: readonly string[];
/** What is wrong with a list of packed paths: each unexpected file, each missing one. */
export declare function packProblems(paths: readonly string[]): string[];
/** The paths `npm pack --dry-run` lists, without running prepack. */
export declare function dryRunPaths(cwd?: string): string[];
