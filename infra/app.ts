#!/usr/bin/env node
// The CDK app (cdk.json runs it): both stacks (infra/define-app.ts); the construct refuses the wrong region.
import { defineApp, userErrorLine } from './define-app.js';

try {
  defineApp();
} catch (error) {
  // A setting or region the user got wrong: one line that names it, not a stack trace. Bugs keep theirs.
  const line = userErrorLine(error);
  if (line === undefined) throw error;
  console.error(line);
  // Exit now: on a normal exit the App would still synthesize the half-built stack.
  process.exit(1);
}
