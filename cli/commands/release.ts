/**
 * `auto-instance-profile release ROLE`: hands the role's profile over to the user (removes our tags, the
 * profile stays in use), or with `--delete` removes the role from it and deletes it. Only ever our profile, and
 * only once the user agreed: asked on a terminal, `--yes` in scripts, exit 2 otherwise (nothing changed). It acts
 * with the user's own credentials, so it goes by the tags: whoever runs it answers for the profile it names.
 */

import { removeOurTags } from '../../core/iam/hand-over.js';
import { readProfile, readRole } from '../../core/iam/read-state.js';
import { describeChange, releaseProfile } from '../../core/iam/release.js';
import { isRoleName } from '../../core/names.js';
import { SKIP_TAG } from '../../core/tags.js';
import {
  ACCOUNT_OPTIONS,
  ask,
  COMMON_ROWS,
  confirmationPolicy,
  IAM_ERROR_EXIT_MEANING,
  openIam,
  withIamErrors,
  YES_OPTION,
} from '../account.js';
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
    '--delete, removes the role from the profile and deletes the profile instead. Refuses a profile that is not ours. ' +
    'Asks first on a terminal. It runs with your own credentials and goes by the tags ' +
    '(auto-instance-profile:managed=true, bound to the role by auto-instance-profile:source-role-id), which anyone ' +
    'allowed to tag a profile can set: check the profile it names before you agree. The IAM policy it needs: ' +
    'auto-instance-profile policy release (--delete).',
  [
    {
      title: 'Options',
      rows: [
        ['--delete', 'remove the role from our profile and delete the profile'],
        ['-y, --yes', 'do not ask; required when not on a terminal'],
        ['--json', 'print { role, profile, action: handed-over | deleted | refused | declined, changes, reason }'],
        ...COMMON_ROWS,
      ],
    },
    exitCodeSection({
      ok: 'the profile was handed over (or deleted)',
      failed: 'refused: no such profile, not ours, or it holds another role; or you answered no',
      usage: 'usage error: no ROLE, an unknown option; also no --yes when not on a terminal (nothing changed)',
      aws: IAM_ERROR_EXIT_MEANING,
    }),
  ],
);

/** The release command. */
export const releaseCommand = defineCommand({
  name: 'release',
  summary: "hand a role's instance profile over to you (removes our tags), or --delete it; ours only",
  help: HELP,
  options: { ...ACCOUNT_OPTIONS, ...YES_OPTION, delete: { type: 'boolean', default: false } },
  positionals: 1,
  async run({ values, positionals }, io) {
    const [roleName] = positionals;
    if (roleName === undefined) throw new UsageError('needs the name of a role: release ROLE');
    if (!isRoleName(roleName)) throw new UsageError(`"${roleName}" is not a valid role name`);
    const policy = confirmationPolicy(values.yes, io, 'release');
    const { identity, iam } = await openIam('release', values, io);
    try {
      const mode = values.delete ? 'delete' : 'hand-over';
      const plan = await withIamErrors(async () => {
        const profile = await readProfile(iam, roleName);
        const role = needsRole(roleName, profile) ? await readRole(iam, roleName) : undefined;
        return planRelease(roleName, profile, mode, role);
      });
      const agreed = plan.kind === 'refuse' || policy === 'yes' || (await ask(io, releaseQuestion(plan)));
      const changes = plan.kind === 'refuse' || !agreed ? [] : await withIamErrors(() => carryOut(iam, plan));
      const refusal = plan.kind === 'refuse' ? plan.reason : changes === undefined ? gone(roleName) : undefined;
      const action =
        refusal !== undefined ? 'refused' : !agreed ? 'declined' : plan.kind === 'delete' ? 'deleted' : 'handed-over';
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
        if (action === 'declined') io.stdout.write('Nothing changed.\n');
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
      return action === 'declined' ? EXIT.failed : EXIT.ok;
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

/** The question, true to what the plan does. */
function releaseQuestion(plan: Exclude<ReleasePlan, { kind: 'refuse' }>): string {
  if (plan.kind === 'untag') {
    return `Remove our tags from instance profile ${plan.profileName}, so that it stays in use and is yours?`;
  }
  return plan.roleNames.length === 0
    ? `Delete instance profile ${plan.profileName} (it holds no role)?`
    : `Remove role ${plan.roleNames.join(', ')} from instance profile ${plan.profileName} and delete the profile?`;
}

function gone(roleName: string): string {
  return `instance profile ${roleName} changed while we worked on it (deleted, or a role was added); run release again`;
}
