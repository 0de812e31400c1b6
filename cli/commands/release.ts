/**
 * `auto-instance-profile release ROLE`: hands the role's profile over to the user (removes our tags, the
 * profile stays in use), or with `--delete` removes the role from it and deletes it. Only ever our profile.
 */

import { isRoleName } from '../../core/events.js';
import { removeOurTags } from '../../core/iam/hand-over.js';
import { readProfile, readRole } from '../../core/iam/read-state.js';
import { describeChange, releaseProfile } from '../../core/iam/release.js';
import { SKIP_TAG } from '../../core/tags.js';
import { ACCOUNT_OPTIONS, COMMON_ROWS, IAM_ERROR_EXIT_MEANING, openIam, withIamErrors } from '../account.js';
import { exitCodeSection, formatHelp } from '../args.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../output.js';
import { needsRole, planRelease, type ReleasePlan } from '../release/plan.js';
import { writeHeader } from '../scan/report.js';
import { createStyle, shouldColor } from '../style.js';

const HELP = formatHelp(
  'auto-instance-profile release ROLE [options]',
  'Hands the instance profile the service made for ROLE over to you: removes our tags, so that the profile ' +
    'stays in use and is yours (e.g. to terraform import it); the service never touches it again. With ' +
    '--delete, removes the role from the profile and deletes the profile instead. Refuses a profile that is not ours.',
  [
    {
      title: 'Options',
      rows: [
        ['--delete', 'remove the role from our profile and delete the profile'],
        ['--json', 'print { role, profile, action: handed-over | deleted | refused, changes, reason }'],
        ['permissions', 'auto-instance-profile policy release (--delete) prints the IAM policy it needs'],
        ...COMMON_ROWS,
      ],
    },
    exitCodeSection({
      ok: 'the profile was handed over (or deleted)',
      failed: 'refused: no such profile, not ours, or it holds another role',
      aws: IAM_ERROR_EXIT_MEANING,
    }),
  ],
);

/** The release command. */
export const releaseCommand = defineCommand({
  name: 'release',
  summary: "hand a role's instance profile over to you (removes our tags), or --delete it; ours only",
  help: HELP,
  options: { ...ACCOUNT_OPTIONS, delete: { type: 'boolean', default: false } },
  positionals: 1,
  async run({ values, positionals }, io) {
    const [roleName] = positionals;
    if (roleName === undefined) throw new UsageError('needs the name of a role: release ROLE');
    if (!isRoleName(roleName)) throw new UsageError(`"${roleName}" is not a valid role name`);
    const { identity, iam } = await openIam('release', values, io);
    try {
      const mode = values.delete ? 'delete' : 'hand-over';
      const plan = await withIamErrors(async () => {
        const profile = await readProfile(iam, roleName);
        const role = needsRole(roleName, profile) ? await readRole(iam, roleName) : undefined;
        return planRelease(roleName, profile, mode, role);
      });
      const changes = plan.kind === 'refuse' ? [] : await withIamErrors(() => carryOut(iam, plan));
      const refusal = plan.kind === 'refuse' ? plan.reason : changes === undefined ? gone(roleName) : undefined;
      const action = refusal !== undefined ? 'refused' : plan.kind === 'delete' ? 'deleted' : 'handed-over';
      if (values.json) {
        writeJson(io.stdout, {
          ...identity,
          role: roleName,
          profile: plan.profileName,
          action,
          changes: changes ?? [],
          ...(refusal === undefined ? {} : { reason: refusal }),
        });
      } else {
        writeHeader(io.stdout, createStyle(shouldColor(io.stdout, io.env)), identity);
        for (const change of changes ?? []) io.stdout.write(`  ${change}\n`);
        if (action === 'handed-over') {
          io.stdout.write(`Instance profile ${roleName} is yours now: the service will not touch it again.\n`);
        }
        if (action === 'deleted') {
          io.stdout.write(
            `Note: reconcile gives an EC2 role a profile again; tag the role ${SKIP_TAG}=true to keep it without one.\n`,
          );
        }
      }
      if (refusal !== undefined) {
        io.stderr.write(`auto-instance-profile release: ${refusal}\n`);
        return EXIT.failed;
      }
      return EXIT.ok;
    } finally {
      iam.destroy();
    }
  },
});

/** The plan's IAM calls; what changed, or undefined when the profile vanished (or filled) meanwhile. */
async function carryOut(
  iam: Parameters<typeof readProfile>[0],
  plan: Exclude<ReleasePlan, { kind: 'refuse' }>,
): Promise<string[] | undefined> {
  const changes: string[] = [];
  if (plan.kind === 'untag') {
    if ((await removeOurTags(iam, plan.profileName, plan.tagKeys)) === 'absent') return undefined;
    changes.push(`removed tags ${plan.tagKeys.join(', ')} from instance profile ${plan.profileName}`);
    return changes;
  }
  const released = await releaseProfile(iam, plan.profileName, plan.roleNames, (change) =>
    changes.push(describeChange(change)),
  );
  return released === 'done' ? changes : undefined;
}

function gone(roleName: string): string {
  return `instance profile ${roleName} changed while we worked on it (deleted, or a role was added); run release again`;
}
