/** The doctor's ownership check and what `scan` and `fix` say about the record: pure, without AWS. */
import { describe, expect, it } from 'vitest';
import { checkOwnership, tally } from '../../cli/doctor/checks.js';
import { recordFields, unrecordedOf, writeRecord } from '../../cli/ownership/report.js';
import { createStyle } from '../../cli/style.js';
import type { Conflict } from '../../core/scan.js';

const facts = { tableName: 'ownership', records: 12, intents: 0, profiles: 40, tagReads: 28, unrecorded: [] };

describe('checkOwnership', () => {
  it('passes when every profile tagged as ours is recorded, and says what the check cost', () => {
    // Act
    const check = checkOwnership(facts);

    // Assess
    expect(check).toEqual({
      name: 'ownership',
      status: 'ok',
      detail:
        'table ownership: 12 records; every profile tagged as ours is recorded ' +
        '(read the tags of 28 of 40 profiles (GetInstanceProfile each: those no record names))',
    });
  });

  it('warns, naming each unrecorded profile and both ways out, and counts unconfirmed intents', () => {
    // Act
    const check = checkOwnership({ ...facts, intents: 2, unrecorded: ['legacy-old', 'team-app'] });

    // Assess
    expect(check.status).toBe('warning');
    expect(check.detail).toContain('2 unconfirmed intents (the next reconcile pass settles them)');
    expect(check.detail).toContain(
      '2 profiles tagged auto-instance-profile:managed=true that no record proves, which the service leaves alone: legacy-old, team-app',
    );
    expect(check.detail).toContain('auto-instance-profile confirm legacy-old team-app');
    expect(check.detail).toContain('remove the tag (aws iam untag-instance-profile');
  });

  it('names twenty and counts the rest', () => {
    // Act
    const check = checkOwnership({ ...facts, unrecorded: Array.from({ length: 25 }, (_, i) => `p${i}`) });

    // Assess
    expect(check.detail).toContain('p19 and 5 more');
    expect(check.detail).not.toContain('p20,');
  });

  it('is a warning the tally counts apart from the failures', () => {
    // Act
    const counts = tally([checkOwnership({ ...facts, unrecorded: ['x'] })]);

    // Assess
    expect(counts).toEqual({ ok: 0, warning: 1, paused: 0, failed: 0, 'not-checked': 0 });
  });
});

describe('the record in scan and fix', () => {
  const conflict = (roleName: string, reason: Conflict['plan']['reason']): Conflict => ({
    roleName,
    known: {},
    plan: { kind: 'conflict', reason, profileName: roleName, profileRoles: [], note: '' },
  });
  const report = {
    conflicts: [
      conflict('legacy-b', 'profile-unrecorded'),
      conflict('team-x', 'profile-not-managed'),
      conflict('other', 'profile-holds-other-role'),
    ],
  };

  it('names the conflicts whose profile is tagged as ours but unproven', () => {
    // Act + Assess
    expect(unrecordedOf(report)).toEqual(['legacy-b']);
  });

  it('says which table it read, and what to do with the unrecorded', () => {
    // Prepare
    let out = '';
    const fields = recordFields({ from: 'table', stack: 'AutoInstanceProfile', table: 'own', writer: 'arn' }, report);

    // Act
    writeRecord({ write: (text: string) => (out += text) }, createStyle(false), fields);

    // Assess
    expect(out).toBe(
      '  record: table own of stack AutoInstanceProfile\n' +
        '  unrecorded: legacy-b\n' +
        '  tagged as ours, but no record proves them: left alone. If the service made them before it kept records: ' +
        'auto-instance-profile confirm legacy-b; otherwise remove the tag\n',
    );
  });

  it('says when there is no record, and when fix cannot write one', () => {
    // Prepare
    let out = '';
    const write = { write: (text: string) => (out += text) };

    // Act
    writeRecord(
      write,
      createStyle(false),
      recordFields({ from: 'none', why: 'no AutoInstanceProfile stack' }, { conflicts: [] }),
    );
    writeRecord(write, createStyle(false), recordFields({ from: 'table', stack: 's', table: 't' }, { conflicts: [] }));

    // Assess
    expect(out).toBe(
      '  record: none (no AutoInstanceProfile stack): every profile tagged as ours is unrecorded, and fix adopts none\n' +
        '  record: table t of stack s (no operator role: fix creates and adopts nothing)\n',
    );
  });
});
