/**
 * Values to try each setting of core/settings.ts with, as a person types them (an environment variable, a `-c`
 * context value): the ones its row allows and the ones it refuses, derived from its kind and range. A setting whose
 * values a pattern decides needs an example of each here; a test fails for a row without one.
 */
import { SETTING_ROWS, type SettingName, type SettingRow } from '../../core/settings.js';

/** One valid and one invalid text, for the settings a pattern (or aws-cdk-lib) decides. */
export const EXAMPLES: Readonly<Partial<Record<SettingName, { readonly valid: string; readonly invalid: string }>>> = {
  excludedPathPrefixes: { valid: '/aws-service-role/, /batch/', invalid: '/ok/,batch/' },
  ignoredCallers: { valid: 'cloudformation.amazonaws.com,arn:aws:sts::*:assumed-role/ci/*', invalid: 'a b' },
  operatorPrincipals: { valid: 'arn:aws:iam::123456789012:role/ops,arn:aws:iam::123456789012:root', invalid: 'ops' },
  serviceRoleArn: { valid: 'arn:aws:iam::123456789012:role/auto-instance-profile/Fn', invalid: 'my-role' },
  ownershipTable: { valid: 'AutoInstanceProfile-OwnershipTable-1A2B3C', invalid: 'a table!' },
  queueUrls: { valid: 'https://sqs.us-east-1.amazonaws.com/123456789012/a', invalid: 'sqs:queue' },
  queueUrl: { valid: 'https://sqs.us-east-1.amazonaws.com/123456789012/a', invalid: 'sqs:queue' },
  stackName: { valid: 'StackSet-AutoInstanceProfile-1a2b3c', invalid: 'Stack_1' },
  organizationalUnitIds: { valid: 'ou-ab12-11111111, r-ab12', invalid: 'ou-ab12-11111111,root' },
  alarmEmail: { valid: 'ops@example.com', invalid: 'a@b.com,c@d.com' },
  stackSetName: { valid: 'AutoInstanceProfileTeamA', invalid: 'auto_instance_profile' },
  alarmTopic: { valid: 'arn:aws:sns:us-east-1:123456789012:ops-alarms', invalid: 'ops-alarms' },
  reconcileSchedule: { valid: 'cron(0 3 * * ? *)', invalid: 'rate(5 minutes)' },
  logRetention: { valid: '365', invalid: '91' },
};

/** The texts a setting allows, and the texts it refuses (each with the part of it a message names). */
export interface Samples {
  readonly valid: readonly string[];
  readonly invalid: readonly (readonly [text: string, named: string])[];
}

/** Every setting's samples, by its kind and range, or by its {@link EXAMPLES}. */
export function samplesOf(name: SettingName, row: SettingRow): Samples {
  const example = EXAMPLES[name];
  const plain = (texts: readonly string[]) => texts.map((text) => [text, text] as const);
  switch (row.kind) {
    case 'boolean':
      return { valid: ['true', 'FALSE', ' True '], invalid: plain(['yes', '1', 'on']) };
    case 'whole':
    case 'duration': {
      const outside = [row.min - 1, ...(row.max === undefined ? [] : [row.max + 1])].filter((value) => value >= 0);
      const valid = [String(row.min), ` ${row.max ?? 100_000} `];
      return { valid, invalid: plain([...outside.map(String), '2.5', '1e3', '0x10', '-1', 'soon']) };
    }
    case 'oneOf':
      return {
        valid: [...row.values, ...row.values.map((value) => value.toLowerCase())],
        invalid: plain(['nope', `${row.values[0]}x`]),
      };
    default: {
      if (example === undefined) throw new Error(`test/support/setting-samples.ts has no EXAMPLES for ${name}`);
      // A list's message names its offending entry; anything else, the whole text.
      const named = row.kind === 'list' ? (example.invalid.split(',').at(-1) ?? '').trim() : example.invalid;
      return { valid: [example.valid], invalid: [[example.invalid, named]] };
    }
  }
}

/** The rows a pattern or aws-cdk-lib decides, which need {@link EXAMPLES}. */
export const ROWS_NEEDING_EXAMPLES = SETTING_ROWS.filter(([, row]) =>
  ['list', 'text', 'topic', 'schedule', 'retention'].includes(row.kind),
).map(([name]) => name);

/** A refusal's one line: `<name> must …, got <named>` (`entries must` for a list), the name as the user typed it. */
export function refusal(name: string, named: string): RegExp {
  const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${quote(name)} (entries )?must .+, got ${quote(JSON.stringify(named))}$`);
}
