/**
 * cli/scan/hand-over.ts and its use by `fix` and `fix --org` (cli/org/scan-org.ts, cli/scan/fix.ts): where the service
 * is installed and `fix` cannot record, the plan is to hand the missing roles over (start the stack's reconcile
 * function, asynchronously); the question, the rows, the document and the counts say so.
 */
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsAccessError } from '../../cli/errors.js';
import type { OrgAccount } from '../../cli/org/accounts.js';
import type { AccountOutcome } from '../../cli/org/fan-out.js';
import {
  type AccountScan,
  type AccountWork,
  fixOrganization,
  orgResultRows,
  orgScanReport,
} from '../../cli/org/scan-org.js';
import type { DeployedRecord } from '../../cli/ownership/deployed.js';
import { fixCounts, fixQuestion } from '../../cli/scan/fix.js';
import {
  type FixRoute,
  fixRoute,
  HANDED_OVER_DETAIL,
  handOver,
  handOverRows,
  recordsItself,
} from '../../cli/scan/hand-over.js';
import { DEFAULT_CONFIG } from '../../core/config.js';
import type { MissingProfile, ScanReport } from '../../core/scan.js';
import { OPT_IN_TAG } from '../../core/tags.js';

const lambda = mockClient(LambdaClient);

afterEach(() => {
  lambda.reset();
});

const DEPLOYED: DeployedRecord = {
  stack: 'AutoInstanceProfile',
  region: 'us-east-1',
  tableName: 'Records',
  operatorRoleArn: 'arn:aws:iam::111111111111:role/auto-instance-profile/Operator',
  reconcileFunctionName: 'AutoInstanceProfile-Reconcile',
};

const HAND_OVER: Extract<FixRoute, { kind: 'hand-over' }> = {
  kind: 'hand-over',
  stack: 'AutoInstanceProfile',
  region: 'us-east-1',
  functionName: 'AutoInstanceProfile-Reconcile',
};

function missing(roleName: string): MissingProfile {
  return {
    roleName,
    plan: { kind: 'create', roleName, profile: { name: roleName, path: '/', tags: [] }, note: '' },
    known: {},
  };
}

function report(...roles: string[]): ScanReport {
  return {
    scanId: 's',
    summary: {
      scanned: roles.length,
      ec2Roles: roles.length,
      missing: roles.length,
      conflicts: 0,
      optedOut: 0,
      notSelected: 0,
      pending: 0,
      created: 0,
    },
    missing: roles.map(missing),
    conflicts: [],
    pending: [],
    notSelected: [],
    pages: { roles: 1, profiles: 1 },
    iamCalls: 2,
  };
}

/** A Lambda client of the mock, in the region the hand-over asks for. */
const regions: string[] = [];
const lambdaOf = (config: { readonly region?: unknown }) => {
  regions.push(String(config.region));
  return new LambdaClient({ region: String(config.region) });
};

describe('fixRoute', () => {
  it('fixes directly without the service, or where fix records itself; hands over where the service is and it cannot', () => {
    // Act
    const routes = {
      noService: fixRoute(undefined, false),
      recording: fixRoute(DEPLOYED, recordsItself(DEPLOYED)),
      noOperator: fixRoute(
        { ...DEPLOYED, operatorRoleArn: undefined },
        recordsItself({ ...DEPLOYED, operatorRoleArn: undefined }),
      ),
      noTable: fixRoute({ ...DEPLOYED, tableName: undefined }, recordsItself({ ...DEPLOYED, tableName: undefined })),
      org: fixRoute(DEPLOYED, false),
    };

    // Assess
    expect(routes.noService).toEqual({ kind: 'direct' });
    expect(routes.recording).toEqual({ kind: 'direct' });
    for (const route of [routes.noOperator, routes.noTable, routes.org]) expect(route).toEqual(HAND_OVER);
  });
});

describe('handOver', () => {
  it('invokes the reconcile function once, asynchronously, in the stack’s region, for all the missing roles', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    // Act
    const result = await handOver(
      report('web', 'api'),
      { ...HAND_OVER, region: 'cn-north-1' },
      { region: 'cn-northwest-1' },
      lambdaOf,
    );

    // Assess
    expect(result).toEqual({ functionName: 'AutoInstanceProfile-Reconcile', roles: 2 });
    expect(lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'AutoInstanceProfile-Reconcile', InvocationType: 'Event' },
    ]);
    expect(regions.at(-1)).toBe('cn-north-1');
  });

  it('starts nothing for a stack that names no reconcile function, and says why', async () => {
    // Act
    const result = await handOver(
      report('web'),
      { ...HAND_OVER, functionName: undefined },
      { region: 'us-east-1' },
      lambdaOf,
    );

    // Assess
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(result).toMatchObject({ functionName: undefined, roles: 1 });
    expect(result.error).toMatch(/^stack AutoInstanceProfile names no reconcile function \(ReconcileFunctionName\)/);
    expect(handOverRows(report('web'), result)).toEqual([['web', 'failed', result.error]]);
  });

  it('reports a refusal as the result’s error, and throws when AWS is out of reach', async () => {
    // Prepare
    lambda
      .on(InvokeCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

    // Act
    const refused = await handOver(report('web'), HAND_OVER, { region: 'us-east-1' }, lambdaOf);
    const unreachable = handOver(report('web'), HAND_OVER, { region: 'us-east-1' }, lambdaOf);

    // Assess
    expect(refused).toEqual({
      functionName: 'AutoInstanceProfile-Reconcile',
      roles: 1,
      error: 'reconcile not started: ResourceNotFoundException: Function not found',
    });
    await expect(unreachable).rejects.toBeInstanceOf(AwsAccessError);
  });
});

describe('fixQuestion with roles handed over', () => {
  it('asks true to what happens: only a hand-over, or creates and a hand-over together', () => {
    // Act
    const only = fixQuestion([], ' in 0 accounts', { roles: 3, where: ' in 2 accounts' });
    const both = fixQuestion([missing('web'), missing('api')], ' in 1 account', { roles: 3, where: ' in 2 accounts' });
    const single = fixQuestion([], '', { roles: 1, where: '' });

    // Assess
    expect(only).toBe('Hand 3 missing roles in 2 accounts over to the service (its reconcile starts now)?');
    expect(both).toBe(
      'Create 2 instance profiles in 1 account and hand 3 missing roles in 2 accounts over to the service (its reconcile starts now)?',
    );
    expect(single).toBe('Hand 1 missing role over to the service (its reconcile starts now)?');
  });

  it('counts handed-over roles as done, not undone', () => {
    expect(fixCounts(report('web', 'api'), [], 2)).toEqual({ created: 0, undone: 0 });
    expect(fixCounts(report('web', 'api'), [], 0)).toEqual({ created: 0, undone: 2 });
  });
});

const account = (accountId: string, name: string): OrgAccount => ({ accountId, name });

function scanned(accountId: string, name: string, route: FixRoute, roles: string[]): AccountOutcome<AccountWork> {
  const scan: AccountScan = {
    access: { account: account(accountId, name), own: false, clientConfig: { region: 'us-east-1' } },
    config: DEFAULT_CONFIG,
    settings: {
      from: route.kind === 'direct' ? 'defaults' : 'stack',
      region: 'us-east-1',
      excludedPathPrefixes: [],
      ignoredCallers: [],
      unknownCreator: 'remediate',
      selection: 'opt-out',
      optInTag: OPT_IN_TAG,
      instanceProfileQuotaPercent: 95,
      optOutTag: 'auto-instance-profile:skip',
      creatorLookup: false,
    },
    record: { from: 'none', why: 'not read by --org' },
    report: report(...roles),
    route,
  };
  return { account: account(accountId, name), status: 'scanned', result: scan };
}

describe('fix --org where the service is installed', () => {
  it('hands the account’s roles over with one invocation, and its document, totals and rows say so', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const outcomes = [scanned('222222222222', 'installed', HAND_OVER, ['web', 'api'])];

    // Act
    const fixed = await fixOrganization(outcomes, 2, undefined, lambdaOf);
    const { document } = orgScanReport({ command: 'fix', account: '1', region: 'us-east-1', caller: 'arn' }, fixed, {
      fix: true,
      countsOnly: false,
      interrupted: false,
    });

    // Assess
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    expect(document.summary).toMatchObject({ missing: 2, created: 0, handedOver: 2 });
    expect(document.accounts[0]).toMatchObject({
      status: 'scanned',
      summary: { missing: 2, created: 0 },
      handedOver: { functionName: 'AutoInstanceProfile-Reconcile', roles: 2 },
    });
    expect(document.accounts[0]).not.toHaveProperty('error');
    expect(orgResultRows(fixed)).toEqual([
      ['222222222222', 'installed', 'web', 'handed-over', HANDED_OVER_DETAIL],
      ['222222222222', 'installed', 'api', 'handed-over', HANDED_OVER_DETAIL],
    ]);
    expect(HANDED_OVER_DETAIL).toBe('handed over to the service (reconcile started)');
  });

  it('names a hand-over that could not start as the account’s error, and counts its roles as not handed over', async () => {
    // Prepare
    const outcomes = [scanned('222222222222', 'old', { ...HAND_OVER, functionName: undefined }, ['web'])];

    // Act
    const fixed = await fixOrganization(outcomes, 2, undefined, lambdaOf);
    const { document } = orgScanReport({ command: 'fix', account: '1', region: 'us-east-1', caller: 'arn' }, fixed, {
      fix: true,
      countsOnly: false,
      interrupted: false,
    });

    // Assess
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(document.summary).toMatchObject({ handedOver: 0 });
    expect(document.accounts[0]?.error).toMatch(/names no reconcile function/);
  });
});
