/** cli/scan/report.ts: the `--json` document of `scan` and `fix`, an interface scripts read. */
import { describe, expect, it } from 'vitest';
import { scanDocument } from '../../cli/scan/report.js';
import type { ScanReport } from '../../core/scan.js';

describe('scanDocument', () => {
  it('is the summary with created filled in, and the role names of the missing and the conflicts unless --summary', () => {
    // Prepare
    const report = {
      scanId: 's',
      summary: { scanned: 3, ec2Roles: 2, missing: 1, conflicts: 1, optedOut: 1, created: 0 },
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
      pages: { roles: 1, profiles: 1 },
      iamCalls: 4,
    } satisfies ScanReport;
    const identity = { command: 'fix', account: '123456789012', region: 'us-east-1', caller: 'arn' };

    // Act
    const document = scanDocument(identity, report, 1);
    const countsOnly = scanDocument(identity, report, 1, true);

    // Assess
    expect(document).toEqual({
      ...identity,
      summary: { scanned: 3, ec2Roles: 2, missing: 1, conflicts: 1, optedOut: 1, created: 1 },
      missing: ['web'],
      conflicts: ['db'],
    });
    expect(countsOnly).toEqual({ ...identity, summary: document.summary });
  });
});
