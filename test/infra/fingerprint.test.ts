/**
 * The template fingerprint the after-deploy run carries: the same for the same template, different for
 * any change to the rest of the stack, and blind to the construct that carries it.
 */
import { App, CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { lazyTemplateFingerprint, templateFingerprint } from '../../infra/fingerprint.js';

/** A stack with one resource and one output, and a construct that carries its fingerprint. */
function stackWith(change: (stack: Stack) => void = () => {}): { stack: Stack; carrier: Construct } {
  const stack = new Stack(new App(), 'Stack');
  new CfnResource(stack, 'Topic', { type: 'AWS::SNS::Topic', properties: { TopicName: 'a' } });
  new CfnOutput(stack, 'Out', { value: 'v' });
  const carrier = new Construct(stack, 'Carrier');
  new CfnResource(carrier, 'Marker', {
    type: 'AWS::CloudFormation::WaitConditionHandle',
    properties: { Fingerprint: lazyTemplateFingerprint(stack, carrier) },
  });
  change(stack);
  return { stack, carrier };
}

const fingerprint = ({ stack, carrier }: { stack: Stack; carrier: Construct }) => templateFingerprint(stack, carrier);

describe('templateFingerprint', () => {
  it('is a SHA-256 in hex, the same for the same template', () => {
    expect(fingerprint(stackWith())).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint(stackWith())).toBe(fingerprint(stackWith()));
  });

  it.each([
    [
      'a changed property',
      (stack: Stack) => {
        (stack.node.findChild('Topic') as CfnResource).addPropertyOverride('TopicName', 'b');
      },
    ],
    ['a new resource', (stack: Stack) => new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue' })],
    ['a new output', (stack: Stack) => new CfnOutput(stack, 'Other', { value: 'w' })],
  ])('changes with %s', (_, change) => {
    expect(fingerprint(stackWith(change))).not.toBe(fingerprint(stackWith()));
  });

  it('leaves out the construct that carries it, so a change there does not change it', () => {
    // Prepare
    const changed = stackWith();
    new CfnResource(changed.carrier, 'Extra', { type: 'AWS::SQS::Queue' });

    // Act, Assess
    expect(fingerprint(changed)).toBe(fingerprint(stackWith()));
  });

  it('is written into the carrier when the template is, without hashing itself', () => {
    // Prepare
    const made = stackWith();

    // Act
    const marker = made.stack.resolve((made.carrier.node.findChild('Marker') as CfnResource)._toCloudFormation()) as {
      Resources: Record<string, { Properties: { Fingerprint: string } }>;
    };

    // Assess
    expect(Object.values(marker.Resources)[0]?.Properties.Fingerprint).toBe(fingerprint(made));
  });
});

describe('two carriers in one stack', () => {
  it('each leave both out, so neither hashes the other', () => {
    // Prepare
    const made = stackWith();
    const second = new Construct(made.stack, 'Second');
    new CfnResource(second, 'Marker', {
      type: 'AWS::CloudFormation::WaitConditionHandle',
      properties: { Fingerprint: lazyTemplateFingerprint(made.stack, second) },
    });

    // Act
    const resolved = made.stack.resolve((second.node.findChild('Marker') as CfnResource)._toCloudFormation()) as {
      Resources: Record<string, { Properties: { Fingerprint: string } }>;
    };

    // Assess
    expect(Object.values(resolved.Resources)[0]?.Properties.Fingerprint).toBe(fingerprint(stackWith()));
  });
});
