import {
  GetAccountAuthorizationDetailsCommand,
  GetInstanceProfileCommand,
  IAMClient,
  ListInstanceProfilesCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import { listProfilePages, listRolePages } from '../../core/iam/list-account.js';
import { type ScanProgress, scanAccount } from '../../core/scan.js';
import { EC2_TRUST_URL_ENCODED } from '../support/policies.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const iam = mockClient(IAMClient);
const client = () => new IAMClient({});
const roleDetail = (name: string, profiles: string[] = [], tags: { Key: string; Value: string }[] = []) => ({
  RoleName: name,
  RoleId: `AROA${name}`,
  Arn: `arn:aws:iam::123456789012:role/${name}`,
  Path: '/',
  AssumeRolePolicyDocument: EC2_TRUST_URL_ENCODED,
  Tags: tags,
  InstanceProfileList: profiles.map((p) => ({
    InstanceProfileName: p,
    InstanceProfileId: 'AIPA',
    Arn: 'x',
    Path: '/',
    CreateDate: NOW,
    Roles: [],
  })),
});
const profileItem = (name: string, roles: string[] = []) => ({
  InstanceProfileName: name,
  InstanceProfileId: 'AIPA',
  Arn: `arn:aws:iam::123456789012:instance-profile/${name}`,
  Path: '/',
  CreateDate: NOW,
  Roles: roles.map((RoleName) => ({ RoleName, RoleId: 'x', Arn: 'x', Path: '/', CreateDate: NOW })),
});
const inputs = (command: unknown) => iam.commandCalls(command as never).map((call) => call.args[0].input);
const collect = async <T>(pages: AsyncGenerator<T>) => {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
};

beforeEach(() => {
  iam.reset();
});

describe('listRolePages', () => {
  it('reads roles with GetAccountAuthorizationDetails, Filter=Role, 50 a page, following the Marker', async () => {
    // Prepare
    iam
      .on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({ RoleDetailList: [roleDetail('a', ['a'])], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({ RoleDetailList: [roleDetail('b', [], [{ Key: 'team', Value: 'web' }])], IsTruncated: false });

    // Act
    const pages = await collect(listRolePages(client()));

    // Assess
    expect(inputs(GetAccountAuthorizationDetailsCommand)).toEqual([
      { Filter: ['Role'], MaxItems: 50, Marker: undefined },
      { Filter: ['Role'], MaxItems: 50, Marker: 'm1' },
    ]);
    expect(pages).toEqual([
      [
        {
          role: {
            name: 'a',
            path: '/',
            arn: 'arn:aws:iam::123456789012:role/a',
            id: 'AROAa',
            trustPolicy: EC2_TRUST_URL_ENCODED,
            tags: {},
          },
          profileNames: ['a'],
          createDate: undefined,
        },
      ],
      [
        expect.objectContaining({
          role: expect.objectContaining({ name: 'b', tags: { team: 'web' } }),
          profileNames: [],
        }),
      ],
    ]);
  });
});

describe('listProfilePages', () => {
  it('reads every profile with its id, creation time and roles, 1,000 a page, following the Marker', async () => {
    // Prepare
    iam
      .on(ListInstanceProfilesCommand)
      .resolvesOnce({ InstanceProfiles: [profileItem('a', ['a'])], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({ InstanceProfiles: [profileItem('b')], IsTruncated: false });

    // Act
    const pages = await collect(listProfilePages(client()));

    // Assess
    expect(inputs(ListInstanceProfilesCommand)).toEqual([
      { MaxItems: 1000, Marker: undefined },
      { MaxItems: 1000, Marker: 'm1' },
    ]);
    expect(pages).toEqual([
      [{ name: 'a', id: 'AIPA', createDate: NOW, path: '/', roleNames: ['a'] }],
      [{ name: 'b', id: 'AIPA', createDate: NOW, path: '/', roleNames: [] }],
    ]);
  });
});

describe('scanAccount', () => {
  it('costs one call per page plus one GetInstanceProfile per role that needs it, matching names case-insensitively', async () => {
    // Prepare
    iam
      .on(ListInstanceProfilesCommand)
      .resolvesOnce({ InstanceProfiles: [profileItem('covered', ['covered'])], IsTruncated: true, Marker: 'p2' })
      .resolvesOnce({ InstanceProfiles: [profileItem('Blocked')], IsTruncated: false });
    iam
      .on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({
        RoleDetailList: [roleDetail('covered', ['covered']), roleDetail('new')],
        IsTruncated: true,
        Marker: 'r2',
      })
      .resolvesOnce({ RoleDetailList: [roleDetail('blocked')], IsTruncated: false });
    iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { ...profileItem('Blocked'), Tags: [] } });
    const progress: ScanProgress[] = [];

    // Act
    const report = await scanAccount(
      { iam: client(), config: DEFAULT_CONFIG, now: () => NOW, onProgress: (p) => progress.push(p) },
      'scan-1',
    );

    // Assess
    expect(report.summary).toEqual({
      scanned: 3,
      ec2Roles: 3,
      missing: 1,
      conflicts: 1,
      optedOut: 0,
      notSelected: 0,
      pending: 0,
      created: 0,
    });
    expect(report.missing.map((m) => m.roleName)).toEqual(['new']);
    expect(report.conflicts.map((c) => [c.roleName, c.plan.profileName])).toEqual([['blocked', 'Blocked']]);
    expect(inputs(GetInstanceProfileCommand)).toEqual([{ InstanceProfileName: 'blocked' }]);
    expect(report.pages).toEqual({ roles: 2, profiles: 2 });
    expect(report.iamCalls).toBe(5);
    expect(report.scanId).toBe('scan-1');
    expect(progress.at(-1)).toEqual({ pages: 4, rolesSeen: 3 });
  });

  it('passes an SDK error on: a scan that could not read the account reports nothing', async () => {
    // Prepare
    iam.on(ListInstanceProfilesCommand).rejects(new Error('AccessDenied'));

    // Act
    const scan = scanAccount({ iam: client(), config: DEFAULT_CONFIG });

    // Assess
    await expect(scan).rejects.toThrow('AccessDenied');
  });
});
