/**
 * cli/org/ou-settings.ts: an account's effective settings from its stack's parameters, each from the organization
 * (the StackSet template's default) or from the OU whose override it is; the text names only the overrides.
 */
import { describe, expect, it } from 'vitest';
import { accountSettings, describeAccountSettings, settingDefaultsOf } from '../../cli/org/ou-settings.js';

const TEMPLATE = JSON.stringify({
  Parameters: {
    DryRun: { Type: 'String', Default: 'false' },
    SettleDelaySeconds: { Type: 'Number', Default: 30 },
    CodeBucket: { Type: 'String' },
  },
  Resources: {},
});

describe("an account's settings per OU", () => {
  it("reads the settings' defaults from the StackSet's template, and none from a template it cannot read", () => {
    // Act
    const defaults = settingDefaultsOf(TEMPLATE);
    const yaml = settingDefaultsOf('Parameters:\n  DryRun: {Type: String}\n');

    // Assess
    expect(defaults).toEqual({ dryRun: 'false', settleDelaySeconds: '30' });
    expect(yaml).toBeUndefined();
  });

  it('says which values the OU overrides, and leaves out parameters that are not settings', () => {
    // Prepare
    const parameters = { DryRun: 'true', SettleDelaySeconds: '30', CodeBucket: 'code', AlarmTopicArn: 'arn' };

    // Act
    const settings = accountSettings(parameters, settingDefaultsOf(TEMPLATE), 'ou-ab12-11111111');
    const unread = accountSettings(parameters, undefined, 'ou-ab12-11111111');

    // Assess
    expect(settings).toEqual({
      dryRun: { value: 'true', from: 'ou-ab12-11111111' },
      settleDelaySeconds: { value: '30', from: 'organization' },
    });
    expect(describeAccountSettings(settings)).toBe('dryRun=true (ou-ab12-11111111)');
    expect(unread.dryRun).toEqual({ value: 'true', from: 'unknown' });
    expect(describeAccountSettings(undefined)).toBe('');
  });
});
