import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EC2_TRUST_POLICY, evaluateEc2Trust, parsePolicyDocument, wildcardMatch } from '../../core/trust-policy.js';

const [ec2Allow] = EC2_TRUST_POLICY.Statement;
const policy = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });

describe('parsePolicyDocument', () => {
  const doc = policy(ec2Allow);

  it.each([
    ['an object', doc],
    ['a JSON string', JSON.stringify(doc)],
    ['a URL-encoded JSON string (as GetRole returns it)', encodeURIComponent(JSON.stringify(doc))],
  ])('reads %s', (_form, input) => {
    // Act
    const parsed = parsePolicyDocument(input);

    // Assess
    expect(parsed).toEqual(doc);
  });

  it.each([
    ['not JSON', 'not json'],
    ['a broken escape', '%E0%A4%A'],
    ['a JSON array', '[]'],
    ['a number', 42],
    ['null', null],
  ])('returns undefined for %s', (_form, input) => {
    // Act
    const parsed = parsePolicyDocument(input);

    // Assess
    expect(parsed).toBeUndefined();
  });
});

describe('evaluateEc2Trust', () => {
  it.each([
    ['the standard EC2 trust policy', policy(ec2Allow)],
    ['Statement as a single object', { Version: '2012-10-17', Statement: ec2Allow }],
    [
      'Service as an array',
      policy({ ...ec2Allow, Principal: { Service: ['lambda.amazonaws.com', 'ec2.amazonaws.com'] } }),
    ],
    ['the China principal', policy({ ...ec2Allow, Principal: { Service: 'ec2.amazonaws.com.cn' } })],
    ['a principal in another case', policy({ ...ec2Allow, Principal: { Service: 'EC2.AmazonAWS.com' } })],
    ['Action as an array', policy({ ...ec2Allow, Action: ['sts:TagSession', 'sts:AssumeRole'] })],
    ['Action *', policy({ ...ec2Allow, Action: '*' })],
    ['Action sts:*', policy({ ...ec2Allow, Action: 'sts:*' })],
    ['Action sts:Assume*', policy({ ...ec2Allow, Action: 'sts:Assume*' })],
    ['Action with ?', policy({ ...ec2Allow, Action: 'sts:AssumeRol?' })],
    ['Action in another case', policy({ ...ec2Allow, Action: 'STS:assumerole' })],
    ['a Condition on the Allow', policy({ ...ec2Allow, Condition: { StringEquals: { 'aws:SourceAccount': '1' } } })],
    [
      'EC2 beside an AWS principal',
      policy({ ...ec2Allow, Principal: { Service: 'ec2.amazonaws.com', AWS: 'arn:aws:iam::1:root' } }),
    ],
    ['a Deny with a Condition', policy(ec2Allow, { ...ec2Allow, Effect: 'Deny', Condition: { Bool: { x: 'true' } } })],
    [
      'a Deny for another principal',
      policy(ec2Allow, { ...ec2Allow, Effect: 'Deny', Principal: { Service: 'lambda.amazonaws.com' } }),
    ],
    ['a Deny for another action', policy(ec2Allow, { ...ec2Allow, Effect: 'Deny', Action: 'sts:TagSession' })],
    [
      'a Deny on one EC2 principal while the other is allowed',
      policy(
        { ...ec2Allow, Principal: { Service: ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
        { ...ec2Allow, Effect: 'Deny' },
      ),
    ],
    [
      'a Deny with NotAction that excludes AssumeRole',
      policy(ec2Allow, { Effect: 'Deny', Principal: '*', NotAction: 'sts:Assume*' }),
    ],
    ['a URL-encoded document', encodeURIComponent(JSON.stringify(policy(ec2Allow)))],
  ])('lets EC2 assume the role with %s', (_case, document) => {
    // Act
    const verdict = evaluateEc2Trust(document);

    // Assess
    expect(verdict.ec2).toBe(true);
  });

  it.each([
    ['Principal "*"', policy({ ...ec2Allow, Principal: '*' }), 'no-ec2-allow'],
    ['an AWS principal alone', policy({ ...ec2Allow, Principal: { AWS: 'arn:aws:iam::1:root' } }), 'no-ec2-allow'],
    [
      'a Federated principal alone',
      policy({ ...ec2Allow, Principal: { Federated: 'cognito-identity.amazonaws.com' } }),
      'no-ec2-allow',
    ],
    ['another service', policy({ ...ec2Allow, Principal: { Service: 'lambda.amazonaws.com' } }), 'no-ec2-allow'],
    ['a look-alike service', policy({ ...ec2Allow, Principal: { Service: 'ec2.amazonaws.com.evil' } }), 'no-ec2-allow'],
    [
      'NotAction on the Allow',
      policy({ Effect: 'Allow', Principal: ec2Allow.Principal, NotAction: 'iam:*' }),
      'no-ec2-allow',
    ],
    ['NotPrincipal on the Allow', policy({ ...ec2Allow, NotPrincipal: { AWS: 'x' } }), 'no-ec2-allow'],
    [
      'an action that is not AssumeRole',
      policy({ ...ec2Allow, Action: 'sts:AssumeRoleWithWebIdentity' }),
      'no-ec2-allow',
    ],
    ['a wildcard for other services', policy({ ...ec2Allow, Action: 'iam:*' }), 'no-ec2-allow'],
    ['Effect in the wrong case', policy({ ...ec2Allow, Effect: 'allow' }), 'no-ec2-allow'],
    ['no Statement', { Version: '2012-10-17' }, 'no-ec2-allow'],
    ['an unconditional Deny for EC2', policy(ec2Allow, { ...ec2Allow, Effect: 'Deny' }), 'denied'],
    ['an unconditional Deny for "*"', policy(ec2Allow, { Effect: 'Deny', Principal: '*', Action: 'sts:*' }), 'denied'],
    [
      'an unconditional Deny for AWS "*"',
      policy(ec2Allow, { Effect: 'Deny', Principal: { AWS: '*' }, Action: '*' }),
      'denied',
    ],
    [
      'a Deny with NotAction that leaves AssumeRole in',
      policy(ec2Allow, { Effect: 'Deny', Principal: '*', NotAction: 'sts:TagSession' }),
      'denied',
    ],
    [
      'a Deny with NotPrincipal that leaves EC2 in',
      policy(ec2Allow, {
        ...ec2Allow,
        Effect: 'Deny',
        Principal: undefined,
        NotPrincipal: { Service: 'lambda.amazonaws.com' },
      }),
      'denied',
    ],
    [
      'a Deny that names EC2 with whitespace around it, as the Allow may',
      policy(ec2Allow, { ...ec2Allow, Effect: 'Deny', Principal: { Service: ' ec2.amazonaws.com ' } }),
      'denied',
    ],
    [
      'a Deny with an empty Condition block, which always matches',
      policy(ec2Allow, { ...ec2Allow, Effect: 'Deny', Condition: {} }),
      'denied',
    ],
    ['an unreadable document', '{"Statement": [', 'unreadable'],
  ])('does not let EC2 assume the role with %s', (_case, document, reason) => {
    // Act
    const verdict = evaluateEc2Trust(document);

    // Assess
    expect(verdict).toMatchObject({ ec2: false, reason });
  });

  it('names the Allow statement by Sid, or by position without one', () => {
    // Prepare
    const withSid = policy({ ...ec2Allow, Sid: 'TrustEC2' });
    const withoutSid = policy({ Effect: 'Deny', Principal: '*', Action: 'iam:*' }, ec2Allow);

    // Act
    const verdicts = [evaluateEc2Trust(withSid), evaluateEc2Trust(withoutSid)];

    // Assess
    expect(verdicts).toEqual([
      { ec2: true, statement: 'TrustEC2' },
      { ec2: true, statement: '#1' },
    ]);
  });
});

describe('wildcardMatch', () => {
  it.each([
    ['*', 'sts:AssumeRole', true],
    ['sts:*', 'sts:AssumeRole', true],
    ['*:assume*', 'sts:AssumeRole', true],
    ['sts:A?sumeRole', 'sts:AssumeRole', true],
    ['sts:AssumeRole?', 'sts:AssumeRole', false],
    ['sts:Assume', 'sts:AssumeRole', false],
    ['s*s*s*s*s*s*x', 'sssssssssssssssssssssssssssss', false],
    ['', '', true],
  ])('%s against %s is %s', (pattern, value, expected) => {
    // Act
    const matched = wildcardMatch(pattern, value);

    // Assess
    expect(matched).toBe(expected);
  });
});

/** An independent, deliberately naive oracle: is there any Allow whose Service names EC2? */
function hasEc2Allow(document: unknown): boolean {
  const parsed = parsePolicyDocument(document);
  if (parsed === undefined) return false;
  const raw = parsed.Statement;
  const statements = Array.isArray(raw) ? raw : [raw];
  return statements.some((s) => {
    if (typeof s !== 'object' || s === null || s.Effect !== 'Allow') return false;
    const service = s.Principal?.Service;
    const services = Array.isArray(service) ? service : [service];
    return services.some((v) => typeof v === 'string' && v.trim().toLowerCase().startsWith('ec2.amazonaws.com'));
  });
}

describe('evaluateEc2Trust properties', () => {
  const principal = fc.oneof(
    fc.constant('*'),
    fc.record({
      Service: fc.oneof(
        fc.constantFrom('ec2.amazonaws.com', 'EC2.amazonaws.com.CN', 'lambda.amazonaws.com', '*'),
        fc.array(fc.constantFrom('ec2.amazonaws.com', 'ecs-tasks.amazonaws.com', 'ec2.amazonaws.com.cn')),
      ),
    }),
    fc.record({ AWS: fc.constantFrom('*', 'arn:aws:iam::123456789012:root') }),
    fc.jsonValue(),
  );
  const action = fc.oneof(
    fc.constantFrom('sts:AssumeRole', 'sts:*', '*', 'sts:Assume?ole', 'sts:TagSession', 'iam:*', 'STS:ASSUMEROLE'),
    fc.array(fc.constantFrom('sts:AssumeRole', 'sts:TagSession', 'ec2:*')),
    fc.jsonValue(),
  );
  const anyStatement = fc.record(
    {
      Sid: fc.string(),
      Effect: fc.constantFrom('Allow', 'Deny', 'allow', 'Maybe'),
      Principal: principal,
      NotPrincipal: principal,
      Action: action,
      NotAction: action,
      Condition: fc.jsonValue(),
    },
    { requiredKeys: ['Effect'] },
  );
  // Statements close to an EC2 Allow, so that many generated documents do trust EC2 and the
  // properties below are exercised on both verdicts (checked by the first test).
  const nearEc2Statement = fc.record(
    {
      Effect: fc.constantFrom('Allow', 'Deny'),
      Principal: fc.record({
        Service: fc.constantFrom('ec2.amazonaws.com', ['ec2.amazonaws.com.cn'], 'Ec2.AmazonAws.com'),
      }),
      Action: fc.constantFrom('sts:AssumeRole', 'sts:*', '*', ['sts:Assume*']),
      Condition: fc.constant({ Bool: { 'aws:SecureTransport': 'true' } }),
    },
    { requiredKeys: ['Effect', 'Principal', 'Action'] },
  );
  const statement = fc.oneof(anyStatement, nearEc2Statement);
  const policyLike = fc.record({
    Version: fc.constant('2012-10-17'),
    Statement: fc.oneof(statement, fc.array(statement)),
  });
  const anyForm = fc.oneof(
    fc.jsonValue(),
    policyLike,
    policyLike.map((p) => JSON.stringify(p)),
    policyLike.map((p) => encodeURIComponent(JSON.stringify(p))),
    fc.string(),
  );

  it('generates both verdicts, so the properties below are not vacuous', () => {
    // Act
    const verdicts = fc.sample(anyForm, { numRuns: 2000, seed: 42 }).map((d) => evaluateEc2Trust(d).ec2);

    // Assess
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(20);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(20);
  });

  it('never throws, on arbitrary JSON or policy-shaped input in any form', () => {
    fc.assert(
      fc.property(anyForm, (document) => {
        // Act
        const verdict = evaluateEc2Trust(document);

        // Assess
        expect(typeof verdict.ec2).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('never says yes without an Allow statement naming the EC2 service', () => {
    fc.assert(
      fc.property(anyForm, (document) => {
        // Act
        const verdict = evaluateEc2Trust(document);

        // Assess
        if (verdict.ec2) expect(hasEc2Allow(document)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same verdict for every form of one document', () => {
    fc.assert(
      fc.property(policyLike, (document) => {
        // Act
        const forms = [document, JSON.stringify(document), encodeURIComponent(JSON.stringify(document))];

        // Assess
        const verdicts = forms.map(evaluateEc2Trust);
        expect(verdicts[1]).toEqual(verdicts[0]);
        expect(verdicts[2]).toEqual(verdicts[0]);
      }),
      { numRuns: 500 },
    );
  });
});
