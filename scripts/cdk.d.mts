// Types for scripts/cdk.mjs, a plain script so that npm runs it without a loader.

/** What to say when the CDK CLI finds no credentials. */
export declare const NO_CREDENTIALS_HINT: string;

/** The lines to print for one line of the CDK CLI's stderr; `state.appFailed` carries over between lines. */
export declare function rewriteCdkLine(line: string, state: { appFailed: boolean }): string[];
