#!/usr/bin/env node
// The CDK app (cdk.json runs it). Region and account come from the standard CDK environment,
// which the CLI fills from AWS_REGION or the profile; the construct refuses the wrong region.
import { App } from 'aws-cdk-lib';
import { AutoInstanceProfileError } from '../core/errors.js';
import { ORG_STACK_NAME, STACK_NAME } from '../core/pipeline-settings.js';
import { AutoInstanceProfileOrgStack } from './org-stack.js';
import { APP_STACKS, guardAppRegion } from './region-guard.js';
import { AutoInstanceProfileStack } from './stack.js';

try {
  const app = new App();
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  // The app builds both stacks whichever one is deployed: a wrong region names both, each with its command.
  if (env.region !== undefined) guardAppRegion(env.region, APP_STACKS);
  new AutoInstanceProfileStack(app, STACK_NAME, { env });
  // The same service for every account of an AWS Organization, through a StackSet (docs/organization.md).
  new AutoInstanceProfileOrgStack(app, ORG_STACK_NAME, { env });
} catch (error) {
  // A setting or region the user got wrong: one line that names it, not a stack trace. Bugs keep theirs.
  if (!(error instanceof AutoInstanceProfileError)) throw error;
  console.error(`Error: ${error.message}`);
  // Exit now: on a normal exit the App would still synthesize the half-built stack.
  process.exit(1);
}
