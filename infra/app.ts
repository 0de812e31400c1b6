#!/usr/bin/env node
// The CDK app (cdk.json runs it). Region and account come from the standard CDK environment,
// which the CLI fills from AWS_REGION or the profile; the construct refuses the wrong region.
import { App } from 'aws-cdk-lib';
import { STACK_NAME } from '../core/pipeline-settings.js';
import { AutoInstanceProfileStack } from './stack.js';

const app = new App();
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
new AutoInstanceProfileStack(app, STACK_NAME, { env });
