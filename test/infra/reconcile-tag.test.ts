/**
 * The tag on the reconcile function (infra/reconcile.ts): the one function `fix` may start when it hands roles over to
 * the service, since lambda:InvokeFunction is granted on it alone (core/lambda/reconcile-now.ts). Only that function
 * carries it, in the stack and in the organization's member stack: the remediator never does.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '../../core/pipeline-settings.js';
import { removeSynthOutputs, resourcesOfType, synthesize } from './support/synth.js';

const FUNCTION = 'AWS::Lambda::Function';

afterAll(removeSynthOutputs);

/** The functions of a template that carry the tag `auto-instance-profile:function=reconcile`, by logical id. */
function taggedReconcile(template: ReturnType<typeof synthesize>['template']): string[] {
  return Object.entries(resourcesOfType(template, FUNCTION))
    .filter(([, resource]) =>
      ((resource.Properties?.Tags ?? []) as { Key: string; Value: string }[]).some(
        (tag) => tag.Key === 'auto-instance-profile:function' && tag.Value === 'reconcile',
      ),
    )
    .map(([id]) => id);
}

describe('the reconcile function’s tag', () => {
  it('is on the reconcile function the stack names in ReconcileFunctionName, and on no other function', () => {
    // Prepare
    const { template } = synthesize();
    const outputs = template.toJSON().Outputs as Record<string, { Value: { Ref: string } }>;

    // Act
    const tagged = taggedReconcile(template);

    // Assess
    expect(Object.keys(resourcesOfType(template, FUNCTION)).length).toBeGreaterThan(1);
    expect(tagged).toEqual([outputs[STACK_OUTPUTS.reconcileFunctionName]?.Value.Ref]);
  });
});
