/**
 * `auto-instance-profile prune`: for uninstalling. Lists the instance profiles the service made that hold
 * no role (what `cdk destroy` leaves behind and nothing uses); `--yes` deletes them. Nothing else, ever: a profile
 * whose same-name role exists is kept (the role may be put back in it, as the service adopts a leftover), and
 * listed with why. It acts with the user's own credentials, so it goes by the tags.
 */

import { listProfilePages } from '../../core/iam/list-account.js';
import { readProfile, readRole } from '../../core/iam/read-state.js';
import { deleteProfile } from '../../core/iam/release.js';
import type { ProfileSnapshot } from '../../core/snapshots.js';
import { isOurEmptyProfile, MANAGED_TAG } from '../../core/tags.js';
import {
  ACCOUNT_OPTIONS,
  COMMON_ROWS,
  IAM_ERROR_EXIT_MEANING,
  openIam,
  withIamErrors,
  YES_OPTION,
} from '../account.js';
import { exitCodeSection, formatHelp } from '../args.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../output.js';
import { writeHeader, writeTable } from '../scan/report.js';
import { createStyle, shouldColor } from '../style.js';

const HELP = formatHelp(
  'auto-instance-profile prune [options]',
  `Lists the instance profiles tagged ${MANAGED_TAG}=true that hold no role; with --yes, deletes them. ` +
    'Profiles that hold a role, or are not ours, are never touched; nor is one whose same-name role exists (it is ' +
    'listed as kept: the role may be put back in it). It runs with your own credentials and goes by the tag, which ' +
    'anyone allowed to tag a profile can set: check the list before --yes.',
  [
    {
      title: 'Options',
      rows: [
        ['-y, --yes', 'delete them'],
        [
          '--json',
          'print { summary: {profiles, deleted, left, kept}, profiles: [names], deleted: [names], kept: [{profile, reason}] }',
        ],
        ...COMMON_ROWS,
      ],
    },
    exitCodeSection({
      ok: 'none left: there were none, or --yes deleted them all',
      failed: 'some are left: listed without --yes, or one was given a role meanwhile',
      aws: IAM_ERROR_EXIT_MEANING,
    }),
  ],
);

/** The prune command. */
export const pruneCommand = defineCommand({
  name: 'prune',
  summary: 'list our instance profiles that hold no role (left after uninstall); --yes deletes them',
  help: HELP,
  options: { ...ACCOUNT_OPTIONS, ...YES_OPTION },
  async run({ values }, io) {
    const { identity, iam } = await openIam('prune', values, io);
    try {
      const { prunable, kept } = await withIamErrors(async () => {
        const found: ProfileSnapshot[] = [];
        const keep: { readonly profile: string; readonly reason: string }[] = [];
        for await (const page of listProfilePages(iam)) {
          // The listing has no tags: only the empty profiles are read to see whose they are.
          for (const listed of page.filter((profile) => profile.roleNames.length === 0)) {
            const profile = await readProfile(iam, listed.name);
            if (profile === 'absent' || !isOurEmptyProfile(profile)) continue;
            // Our profiles carry their role's name: while a role of that name exists, the profile is its to go back to.
            const role = await readRole(iam, profile.name);
            if (role === 'absent') found.push(profile);
            else keep.push({ profile: profile.name, reason: `role ${role.name} exists: its profile is kept` });
          }
        }
        return { prunable: found, kept: keep };
      });
      const deleted: string[] = [];
      if (values.yes) {
        await withIamErrors(async () => {
          for (const profile of prunable) {
            if ((await deleteProfile(iam, profile.name)) === 'done') deleted.push(profile.name);
          }
        });
      }
      if (values.json) {
        writeJson(io.stdout, {
          ...identity,
          summary: {
            profiles: prunable.length,
            deleted: deleted.length,
            left: prunable.length - deleted.length,
            kept: kept.length,
          },
          profiles: prunable.map((p) => p.name),
          deleted,
          kept,
        });
      } else {
        const style = createStyle(shouldColor(io.stdout, io.env));
        writeHeader(io.stdout, style, identity);
        writeTable(
          io.stdout,
          style,
          [
            ...prunable.map((p) => [p.name, deleted.includes(p.name) ? 'deleted' : 'empty', `path ${p.path}`] as const),
            ...kept.map(({ profile, reason }) => [profile, 'kept', reason] as const),
          ],
          'PROFILE',
        );
        io.stdout.write(
          prunable.length === 0
            ? 'No empty instance profiles of ours.\n'
            : values.yes
              ? `Deleted ${deleted.length} of ${prunable.length} empty instance profiles of ours.\n`
              : `Empty instance profiles of ours: ${prunable.length}; prune --yes deletes them.\n`,
        );
        if (kept.length > 0) {
          io.stdout.write(`Kept ${kept.length} whose same-name role exists: delete the role first, or use release.\n`);
        }
      }
      return deleted.length === prunable.length ? EXIT.ok : EXIT.failed;
    } finally {
      iam.destroy();
    }
  },
});
