/**
 * The tag guard (infra/tag-guard.ts) as the organization stack synthesizes it, and as docs/deploy.md gives it for one
 * account: the service's roles are told by their IAM path, never by a name prefix anyone could create, and only the
 * deployer may create or change a role on that path. What the SCP denies is read off the synthesized document with a
 * small evaluator of the condition operators it uses (ArnLike on each of the ARN's six parts, StringLike on tag keys):
 * enough for these two statements, not a general IAM evaluator. Every role of the service's stacks is on the path.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVICE_ROLE_PATH } from '../../core/pipeline-settings.js';
import {
  CDK_EXECUTION_ROLE_NAME,
  ROLE_CHANGE_ACTIONS,
  roleArnPattern,
  STACK_SET_EXECUTION_ROLE_NAME,
  TAG_GUARD_ACTIONS,
  tagGuardDocument,
} from '../../infra/tag-guard.js';
import { onlyResource, removeSynthOutputs, resourcesOfType, synthesize, synthesizeOrg } from './support/synth.js';

afterAll(removeSynthOutputs);

const MEMBER = '111122223333';
const GUARDED = { env: { region: 'us-east-1' }, organization: { tagGuardPolicy: true } } as const;

/** A request as an SCP sees it: who, which action, on what, with which tag keys. */
interface Request {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly tagKeys?: readonly string[];
}

interface Statement {
  readonly Sid: string;
  readonly Effect: string;
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition: Record<string, Record<string, readonly string[]>>;
}

/** A glob (`*`, `?`) as a case-sensitive regular expression over one whole string. */
function glob(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

/** ArnLike: each of the six colon-separated parts matched on its own, the resource part with whatever colons follow. */
function arnLike(pattern: string, arn: string): boolean {
  const split = (text: string) => {
    const parts = text.split(':');
    return [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const want = split(pattern);
  const have = split(arn);
  return want.length === 6 && have.length === 6 && want.every((part, i) => glob(part).test(have[i] ?? ''));
}

/** Whether every condition of the statement holds for the request (only the operators the guard uses). */
function conditionsHold(statement: Statement, request: Request): boolean {
  return Object.entries(statement.Condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => {
      if (operator === 'ArnNotLike' && key === 'aws:PrincipalArn') {
        return !values.some((value) => arnLike(value, request.principal));
      }
      if (operator === 'ForAnyValue:StringLike' && key === 'aws:TagKeys') {
        return (request.tagKeys ?? []).some((tag) => values.some((value) => glob(value).test(tag)));
      }
      throw new Error(`the evaluator does not know ${operator} on ${key}`);
    }),
  );
}

/** The Sid of the statement that denies the request, or undefined when none does. */
function deniedBy(document: { readonly Statement: readonly Statement[] }, request: Request): string | undefined {
  return document.Statement.find((statement) => {
    const resources = typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource;
    return (
      statement.Effect === 'Deny' &&
      statement.Action.includes(request.action) &&
      resources.some((resource) => resource === '*' || arnLike(resource, request.resource)) &&
      conditionsHold(statement, request)
    );
  })?.Sid;
}

/** A synthesized value with the partition's `Ref` resolved, as CloudFormation resolves it in the aws partition. */
function resolvePartition(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolvePartition);
  if (typeof value !== 'object' || value === null) return value;
  if ('Ref' in value && value.Ref === 'AWS::Partition') return 'aws';
  if ('Fn::Join' in value) {
    const [delimiter, parts] = value['Fn::Join'] as [string, unknown[]];
    return parts.map(resolvePartition).join(delimiter);
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolvePartition(inner)]));
}

let guard: { readonly Statement: readonly Statement[] } | undefined;

/** The organization stack's service control policy, resolved (synthesized once for the file). */
function synthesizedGuard(): { readonly Statement: readonly Statement[] } {
  if (guard === undefined) {
    const policy = onlyResource(synthesizeOrg(GUARDED).template, 'AWS::Organizations::Policy');
    guard = resolvePartition(policy.properties.Content) as { readonly Statement: readonly Statement[] };
  }
  return guard;
}

const role = (path: string, name: string) => `arn:aws:iam::${MEMBER}:role${path}${name}`;
const PROFILE = `arn:aws:iam::${MEMBER}:instance-profile/web`;
const SERVICE_ROLE = role(SERVICE_ROLE_PATH, 'StackSet-AutoInstanceProfile-1a2b-FunctionRole-ABC');
const STACK_SET_EXECUTION = role('/', 'stacksets-exec-0123456789abcdef0123456789abcdef');
const PERSON = role('/', 'platform-admin');

describe('the tag guard SCP of the organization stack', () => {
  it('is the document tagGuardDocument makes, with the StackSet execution role as the only deployer', () => {
    // Act
    const guard = synthesizedGuard();

    // Assess
    expect(guard).toEqual(
      tagGuardDocument({
        partition: 'aws',
        deployers: [roleArnPattern('aws', STACK_SET_EXECUTION_ROLE_NAME)],
      }),
    );
  });

  it('lets a role on the service path set our tag keys, and no other principal', () => {
    // Prepare
    const guard = synthesizedGuard();
    const tagging = (principal: string, action: string) => ({
      principal,
      action,
      resource: PROFILE,
      tagKeys: ['auto-instance-profile:managed'],
    });

    // Act
    const service = TAG_GUARD_ACTIONS.map((action) => deniedBy(guard, tagging(SERVICE_ROLE, action)));
    const person = TAG_GUARD_ACTIONS.map((action) => deniedBy(guard, tagging(PERSON, action)));
    const otherTags = deniedBy(guard, { ...tagging(PERSON, 'iam:TagInstanceProfile'), tagKeys: ['cost-centre'] });

    // Assess
    expect(service).toEqual(TAG_GUARD_ACTIONS.map(() => undefined));
    expect(person).toEqual(TAG_GUARD_ACTIONS.map(() => 'OnlyAutoInstanceProfileSetsItsTags'));
    expect(otherTags).toBeUndefined();
  });

  it('no longer exempts a role whose name starts with the StackSet stacks’ prefix, wherever anyone created it', () => {
    // Prepare: the name prefix the guard exempted before: anyone allowed iam:CreateRole could pick it.
    const guard = synthesizedGuard();
    const lookalike = role('/', 'StackSet-AutoInstanceProfile-mine');

    // Act
    const tagged = deniedBy(guard, {
      principal: lookalike,
      action: 'iam:TagInstanceProfile',
      resource: PROFILE,
      tagKeys: ['auto-instance-profile:managed', 'auto-instance-profile:source-role-id'],
    });

    // Assess
    expect(tagged).toBe('OnlyAutoInstanceProfileSetsItsTags');
  });

  it('denies creating or changing a role on the service path to everyone but the StackSet execution role', () => {
    // Prepare
    const guard = synthesizedGuard();
    const onServiceRole = (principal: string, action: string) => ({ principal, action, resource: SERVICE_ROLE });

    // Act
    const person = ROLE_CHANGE_ACTIONS.map((action) => deniedBy(guard, onServiceRole(PERSON, action)));
    const serviceItself = ROLE_CHANGE_ACTIONS.map((action) => deniedBy(guard, onServiceRole(SERVICE_ROLE, action)));
    const stackSet = ROLE_CHANGE_ACTIONS.map((action) => deniedBy(guard, onServiceRole(STACK_SET_EXECUTION, action)));
    const elsewhere = deniedBy(guard, { principal: PERSON, action: 'iam:CreateRole', resource: role('/', 'web') });

    // Assess: a person cannot put a role of their own on the path, nor change, pass or delete the service's.
    expect(person).toEqual(ROLE_CHANGE_ACTIONS.map(() => 'OnlyItsDeployerChangesItsRoles'));
    expect(serviceItself).toEqual(ROLE_CHANGE_ACTIONS.map(() => 'OnlyItsDeployerChangesItsRoles'));
    expect(stackSet).toEqual(ROLE_CHANGE_ACTIONS.map(() => undefined));
    expect(elsewhere).toBeUndefined();
    expect(ROLE_CHANGE_ACTIONS).toEqual(
      expect.arrayContaining(['iam:CreateRole', 'iam:PassRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy']),
    );
  });
});

describe('the service roles’ path', () => {
  it.each([
    ['the single-account stack', () => synthesize({ env: { region: 'us-east-1' } }).template],
    ['the StackSet’s member template', () => synthesizeOrg(GUARDED).member],
  ])('puts every role of %s on the service path', (_, template) => {
    // Act
    const roles = Object.entries(resourcesOfType(template(), 'AWS::IAM::Role'));

    // Assess: the functions', the scheduler's and the deploy-time custom resource's (the operator role is optional).
    expect(roles.length).toBeGreaterThanOrEqual(4);
    expect(roles.filter(([, resource]) => resource.Properties?.Path !== SERVICE_ROLE_PATH).map(([id]) => id)).toEqual(
      [],
    );
  });
});

describe('docs/deploy.md, guarding the tag in one account', () => {
  it('gives the document tagGuardDocument makes, with the CDK bootstrap’s execution role as the deployer', () => {
    // Prepare
    const docs = readFileSync('docs/deploy.md', 'utf8');
    const section = docs.slice(docs.indexOf('### Guarding the tag'));
    const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1] ?? '';

    // Act
    const documented = JSON.parse(json) as unknown;

    // Assess
    expect(documented).toEqual(
      tagGuardDocument({ partition: 'aws', deployers: [roleArnPattern('aws', CDK_EXECUTION_ROLE_NAME)] }),
    );
  });
});
