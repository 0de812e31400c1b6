/** Stack outputs from a table: the output ids (a contract the CLI and users read) and, per key, value and description. */
import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** One output's value and what it is for. */
export interface OutputSpec {
  readonly value: string;
  readonly description: string;
}

/** Adds one CfnOutput per key of `ids`, named by `ids[key]`, from `outputs[key]`. */
export function addOutputs<Key extends string>(
  scope: Construct,
  ids: Readonly<Record<Key, string>>,
  outputs: Readonly<Record<Key, OutputSpec>>,
): void {
  for (const key of Object.keys(ids) as Key[]) new CfnOutput(scope, ids[key], outputs[key]);
}
