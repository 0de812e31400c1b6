/**
 * The CDK app's contents, apart from the process that runs them (infra/app.ts), so that tests can build it
 * in-process: both stacks in one App, and the one line the app prints for a setting the user got wrong.
 */
import { App, type AppProps } from 'aws-cdk-lib';
import { AutoInstanceProfileError } from '../core/errors.js';
import { ORG_STACK_NAME, STACK_NAME } from '../core/pipeline-settings.js';
import { AutoInstanceProfileOrgStack } from './org-stack.js';
import { APP_STACKS, guardAppRegion } from './region-guard.js';
import { AutoInstanceProfileStack } from './stack.js';

/**
 * Both stacks in a new App. Region and account come from the standard CDK environment, which the CDK CLI fills
 * from AWS_REGION or the profile (`CDK_DEFAULT_REGION`, `CDK_DEFAULT_ACCOUNT`); context from `props` and, as
 * for any App, `CDK_CONTEXT_JSON`. Throws an {@link AutoInstanceProfileError} for a setting or region the user
 * got wrong.
 */
export function defineApp(props: AppProps = {}, environment: NodeJS.ProcessEnv = process.env): App {
  const app = new App(props);
  const env = { account: environment.CDK_DEFAULT_ACCOUNT, region: environment.CDK_DEFAULT_REGION };
  // The app builds both stacks whichever one is deployed: a wrong region names both, each with its command.
  if (env.region !== undefined) guardAppRegion(env.region, APP_STACKS);
  new AutoInstanceProfileStack(app, STACK_NAME, { env });
  // The same service for every account of an AWS Organization, through a StackSet (docs/organization.md).
  new AutoInstanceProfileOrgStack(app, ORG_STACK_NAME, { env });
  return app;
}

/**
 * The one line the app prints for an error the user can fix (a setting, the region), naming it; `undefined`
 * for anything else, a bug, which keeps its stack trace.
 */
export function userErrorLine(error: unknown): string | undefined {
  return error instanceof AutoInstanceProfileError ? `Error: ${error.message}` : undefined;
}
