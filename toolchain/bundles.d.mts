// Types for toolchain/bundles.mjs, a plain script so that Node runs the build without a loader.

/** The name of a bundle the build writes. */
export type BundleName = 'remediator' | 'reconcile' | 'cli' | 'invoke';

/** One bundle: its name, its entry point, its directory and its file, both relative to the repository. */
export interface Bundle {
  readonly name: BundleName;
  readonly entry: string;
  /** `dist/<name>` */
  readonly dir: string;
  /** `dist/<name>/index.mjs` */
  readonly path: string;
}

/** The repository's root: what the paths below are relative to. */
export declare const REPO_ROOT: string;
/** Where the build writes the bundles, relative to the repository: one directory per bundle. */
export declare const DIST_DIR: string;
/** The file in each bundle's directory; Lambda's handler is its `handler` export (`index.handler`). */
export declare const BUNDLE_FILE: string;
/** Every bundle, by name. */
export declare const BUNDLES: Readonly<Record<BundleName, Bundle>>;
/** The absolute path of a bundle's file. */
export declare function bundlePath(name: BundleName, root?: string): string;
/** Where the build writes a bundle's esbuild metafile, relative to the repository: `dist/<name>.meta.json`. */
export declare function metafilePath(name: BundleName): string;
/** What every bundle is built from beyond its inputs: the build itself and the installed dependencies' versions. */
export declare const BUILD_INPUTS: readonly string[];
/** Whether a bundle is missing, or older than a file its metafile or {@link BUILD_INPUTS} lists (or one is gone). */
export declare function isStale(name: BundleName, root?: string): boolean;
