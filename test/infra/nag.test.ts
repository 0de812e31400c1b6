/**
 * cdk-nag's AwsSolutions and Serverless packs find nothing that is not acknowledged, every
 * acknowledgment gives its reason, and every acknowledgment answers a finding that really occurs
 * (none is stale or broader than needed).
 */

import type { PolicyViolation } from 'aws-cdk-lib';
import { type Acknowledgment, type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { buildOrgStack, buildStack, removeSynthOutputs } from './support/synth.js';

/** Builds one stack to check, in a fresh App. */
type Build = () => { app: App; stack: IConstruct };

/**
 * The configurations to check: the defaults, as `npm run synth` renders them (region known, account
 * not) and environment-agnostic, and every optional resource switched on; and the organization stack, whose
 * findings include its member template's (built inside it), by default and with every option.
 */
const CONFIGURATIONS: Record<string, Build> = {
  'defaults, environment-agnostic': () => buildStack({}),
  'defaults, us-east-1': () => buildStack({ env: { region: 'us-east-1' } }),
  'reconcile only by hand (no schedule, no after-deploy run), us-east-1': () =>
    buildStack({
      env: { region: 'us-east-1' },
      props: { reconcileSchedule: 'disabled', reconcileAfterDeploy: false },
    }),
  'everything on, us-east-1 and an account': () =>
    buildStack({
      env: { region: 'us-east-1', account: '123456789012' },
      props: { createTrail: true, dryRun: true, ignoredCallers: ['cloudformation.amazonaws.com'] },
      context: { alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-alarms' },
    }),
  'organization stack, defaults, environment-agnostic': () => buildOrgStack({}),
  'organization stack, defaults, us-east-1': () => buildOrgStack({ env: { region: 'us-east-1' } }),
  'organization stack, OUs, delegated administrator, an email, members with a trail, us-east-1 and an account': () =>
    buildOrgStack({
      env: { region: 'us-east-1', account: '123456789012' },
      organization: {
        organizationalUnitIds: ['ou-ab12-11111111'],
        callAs: 'DELEGATED_ADMIN',
        alarmEmail: 'platform@example.com',
      },
      service: { createTrail: true, reconcileSchedule: 'disabled' },
    }),
};

/** A reason long enough to say why, not just that. */
const MIN_REASON_LENGTH = 60;

interface Finding {
  readonly rule: string;
  readonly path: string;
}

interface RecordedAcknowledgment extends Acknowledgment {
  readonly path: string;
}

function findings(app: App, scope: IConstruct): Finding[] {
  const violations: PolicyViolation[] = [
    ...new AwsSolutionsChecks(app).validateScope(scope).violations,
    ...new ServerlessChecks(app).validateScope(scope).violations,
  ];
  return violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? r.resourceLogicalId ?? '?' })),
  );
}

/** Every acknowledgment stored on the construct tree, with the path it was made on. */
function storedAcknowledgments(scope: IConstruct): RecordedAcknowledgment[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          reason,
          path: construct.node.path,
        })),
      ),
  );
}

/** Builds the stack while recording, instead of applying, every acknowledgment. */
function buildWithoutAcknowledgments(build: Build): {
  app: App;
  scope: IConstruct;
  acknowledgments: RecordedAcknowledgment[];
} {
  const acknowledgments: RecordedAcknowledgment[] = [];
  const realOf = Validations.of.bind(Validations);
  vi.spyOn(Validations, 'of').mockImplementation((scope: IConstruct) => {
    const validations = realOf(scope);
    return new Proxy(validations, {
      get(target, property, receiver) {
        if (property !== 'acknowledge') return Reflect.get(target, property, receiver);
        return (...rules: Acknowledgment[]) => {
          acknowledgments.push(...rules.map((rule) => ({ ...rule, path: scope.node.path })));
        };
      },
    });
  });
  const { app, stack } = build();
  vi.restoreAllMocks();
  return { app, scope: stack, acknowledgments };
}

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(removeSynthOutputs);

describe.each(Object.entries(CONFIGURATIONS))('cdk-nag, %s', (_, build) => {
  it('finds nothing that is not acknowledged', () => {
    // Prepare
    const { app, stack } = build();

    // Act
    const open = findings(app, stack);

    // Assess
    expect(open).toEqual([]);
  });

  it('stores a reason with every acknowledgment', () => {
    // Prepare
    const { stack } = build();

    // Act
    const acknowledgments = storedAcknowledgments(stack);

    // Assess
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const { id, reason, path } of acknowledgments) {
      expect(reason.trim().length, `${id} on ${path}`).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
    }
  });

  it('acknowledges only findings that occur, on the constructs where they occur', () => {
    // Prepare
    const { app, scope, acknowledgments } = buildWithoutAcknowledgments(build);

    // Act
    const raw = findings(app, scope);

    // Assess
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const { id, path } of acknowledgments) {
      const answered = raw.filter((f) => f.rule === id && (f.path === path || f.path.startsWith(`${path}/`)));
      expect(answered, `${id} acknowledged on ${path} matches no finding`).not.toEqual([]);
    }
    const unanswered = raw.filter(
      (f) =>
        !acknowledgments.some(({ id, path }) => f.rule === id && (f.path === path || f.path.startsWith(`${path}/`))),
    );
    expect(unanswered).toEqual([]);
  });
});
