/** cli/scan/report.ts: the `--json` document of `scan` and `fix`, an interface scripts read. */
import { describe, expect, it } from 'vitest';
import { scanDocument } from '../../cli/scan/report.js';
import type { ScanReport } from '../../core/scan.js';

describe('scanDocument', () => {
  it('is the summary with created filled in, the role names of the missing, the conflicts and the pending, and the settings; the counts and settings alone with --summary', () => {
    // Prepare
    const report = {
      scanId: 's',
      notSelected: [],
      summary: {
        scanned: 4,
        ec2Roles: 3,
        missing: 1,
        conflicts: 1,
        optedOut: 1,
        notSelected: 0,
        pending: 1,
        created: 0,
      },
      missing: [
        {
          roleName: 'web',
          plan: { kind: 'adopt', roleName: 'web', profileName: 'web', retag: [], note: '' },
          known: {},
        },
      ],
      conflicts: [
        {
          roleName: 'db',
          plan: { kind: 'conflict', reason: 'profile-not-managed', profileName: 'db', profileRoles: [], note: '' },
          known: {},
        },
      ],
      pending: [
        {
          roleName: 'new',
          plan: { kind: 'nothing', reason: 'creator-pending', note: '' },
          known: {},
        },
      ],
      pages: { roles: 1, profiles: 1 },
      iamCalls: 4,
    } satisfies ScanReport;
    const identity = { command: 'fix', account: '123456789012', region: 'us-east-1', caller: 'arn' };
    const settings = {
      from: 'defaults',
      region: 'us-east-1',
      excludedPathPrefixes: ['/aws-service-role/'],
      ignoredCallers: ['cloudformation.amazonaws.com'],
      unknownCreator: 'remediate',
      instanceProfileQuotaPercent: 95,
      optOutTag: 'auto-instance-profile:skip',
      selection: 'opt-out',
      optInTag: 'auto-instance-profile:opt-in',
      creatorLookup: true,
    } as const;

    // Act
    const document = scanDocument(identity, report, settings, 1);
    const countsOnly = scanDocument(identity, report, settings, 1, true);

    // Assess
    expect(document).toEqual({
      ...identity,
      summary: {
        scanned: 4,
        ec2Roles: 3,
        missing: 1,
        conflicts: 1,
        optedOut: 1,
        notSelected: 0,
        pending: 1,
        created: 1,
      },
      missing: ['web'],
      conflicts: ['db'],
      pending: ['new'],
      notSelected: [],
      settings,
    });
    expect(countsOnly).toEqual({ ...identity, summary: document.summary, settings });
  });
});
