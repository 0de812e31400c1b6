/** cli/scan/fix.ts: the question `fix` asks, true to what it will do. */
import { describe, expect, it } from 'vitest';
import { fixQuestion } from '../../cli/scan/fix.js';
import type { MissingProfile } from '../../core/scan.js';

describe('fixQuestion', () => {
  const create = (roleName: string): MissingProfile => ({
    roleName,
    plan: { kind: 'create', roleName, profile: { name: roleName, path: '/', tags: [] }, note: 'no profile' },
    known: {},
  });
  const link = (roleName: string): MissingProfile => ({
    roleName,
    plan: { kind: 'adopt', roleName, profileName: roleName, retag: [], note: 'ours, empty' },
    known: {},
  });

  it.each([
    [[create('a'), create('b')], '', 'Create 2 instance profiles?'],
    [[create('a'), link('b')], '', 'Create 1 instance profile and link 1 role to its empty instance profile?'],
    [[link('a'), link('b')], '', 'Link 2 roles to their empty instance profiles?'],
    [
      [create('a'), link('b'), link('c')],
      ' in 2 accounts',
      'Create 1 instance profile and link 2 roles to their empty instance profiles in 2 accounts?',
    ],
  ])('asks what fix will do: %#', (missing, where, question) => {
    // Act
    const asked = fixQuestion(missing, where);

    // Assess
    expect(asked).toBe(question);
  });
});
