// Types for scripts/cdk.mjs, a plain script so that npm runs it without a loader.

/** What to say when the CDK CLI finds no credentials. */
export declare const NO_CREDENTIALS_HINT: string;

/** The templates synth wrote in a cloud assembly directory (file names), or undefined when it cannot be read. */
export declare function templatesIn(dir: string): string[] | undefined;

/**
 * The lines to print for one line of the CDK CLI's stderr; `state` carries over between lines (whether the app
 * failed, where synth wrote); `listTemplates` reads the templates synth wrote.
 */
export declare function rewriteCdkLine(
  line: string,
  state: { appFailed: boolean; outdir?: string },
  listTemplates?: (dir: string) => string[] | undefined,
): string[];
