/**
 * The scan: reads the account in pages (core/iam/list-account.ts), asks {@link decide} about every role
 * as a `found-by-scan` trigger, and sorts the answers into a {@link ScanReport}. It changes nothing; the
 * reconcile function sends its candidates to the remediator's queue, and the CLI's `fix` remediates them.
 *
 * Cost: one call per page of each listing (ROLE_PAGE_SIZE roles, PROFILE_PAGE_SIZE profiles a page), plus one
 * GetInstanceProfile per role that is in no profile while a profile of its name exists: the listing
 * shows that profile without its tags, and whose it is decides between adopting it and a conflict; with
 * `creators`, the LookupEvents calls core/created-by.ts makes for the candidates.
 *
 * Memory: a page of roles at a time. Only candidates (missing profiles and conflicts) are kept; every other
 * decision is counted and dropped, and `onCandidates` gets each page's candidates before the next page is read.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import { type CreatorFinder, scanCreator } from './created-by.js';
import { decide, type Facts, type NothingReason, type Plan, type ProfileSnapshot } from './decide.js';
import { AutoInstanceProfileError } from './errors.js';
import type { RoleTrigger, ScanOrigin } from './events.js';
import type { IamSender } from './iam/client.js';
import { type ListedRole, listProfilePages, listRolePages } from './iam/list-account.js';
import { readProfile } from './iam/read-state.js';
import { iamNameKey } from './names.js';
import type { RecordFact } from './ownership.js';
import type { KnownFacts } from './remediate.js';

/** The counts a scan reports; `created` is filled in by `fix`. */
export interface ScanSummary {
  /** Roles read. */
  readonly scanned: number;
  /** Roles EC2 may assume that are neither opted out nor under an excluded path. */
  readonly ec2Roles: number;
  /** Roles that need a profile: one to create, or an empty one of ours to adopt. */
  readonly missing: number;
  /** Roles whose profile cannot be made without touching one that is not ours, or that holds another role. */
  readonly conflicts: number;
  /** Roles tagged `auto-instance-profile:skip=true`. */
  readonly optedOut: number;
  /**
   * With `selection` = `opt-in`: roles EC2 may assume that are not tagged `auto-instance-profile:opt-in=true`, so get
   * no profile (not counted in `ec2Roles`, nor as missing). Always 0 with `opt-out`.
   */
  readonly notSelected: number;
  /**
   * EC2 roles in no profile, too young for their CreateRole to be in CloudTrail's event history yet (its creator was
   * looked up and not found): left to their own event, not counted as missing.
   */
  readonly pending: number;
  /** Profiles created (or adopted) by this run: always 0 for a scan. */
  readonly created: number;
}

/** What the scan decided about one role, with the facts it decided from (for `fix` to start from). */
export interface RoleDecision {
  readonly roleName: string;
  readonly plan: Plan;
  readonly known: KnownFacts;
  /** Who created the role, when the scan looked it up: the reconcile pass sends it with the role. */
  readonly creator?: ScanOrigin['creator'];
}

/** A role that needs a profile, and the plan that makes it. */
export type MissingProfile = RoleDecision & { readonly plan: Extract<Plan, { kind: 'create' | 'adopt' }> };

/** A role whose same-name profile stands in the way. */
export type Conflict = RoleDecision & { readonly plan: Extract<Plan, { kind: 'conflict' }> };

/** A role left alone for a reason the report lists it by: its creator not known yet, or not opted in. */
export type Pending = RoleDecision & { readonly plan: Extract<Plan, { kind: 'nothing' }> };

/** The pure result of a scan: the summary and the roles behind its counts. */
export interface Classification {
  readonly summary: ScanSummary;
  readonly missing: readonly MissingProfile[];
  readonly conflicts: readonly Conflict[];
  readonly pending: readonly Pending[];
  /** EC2 roles that `selection` = `opt-in` leaves out, for want of the opt-in tag. */
  readonly notSelected: readonly Pending[];
}

/** What a scan found and what it cost. */
export interface ScanReport extends Classification {
  readonly scanId: string;
  /** Pages read from each listing. */
  readonly pages: { readonly roles: number; readonly profiles: number };
  /** IAM calls made: the pages, plus one GetInstanceProfile per role that needed it. */
  readonly iamCalls: number;
}

/** How far a scan has got, after each page. */
export interface ScanProgress {
  readonly pages: number;
  readonly rolesSeen: number;
}

/** What a scan needs from outside. */
export interface ScanDeps {
  readonly iam: IamSender;
  readonly config: Config;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Called after every page read. */
  readonly onProgress?: (progress: ScanProgress) => void;
  /**
   * Who created each candidate, so that `ignoredCallers` and our own role hold for a scan as for events.
   * @default - not looked up (the CLI's scan and fix)
   */
  readonly creators?: CreatorFinder;
  /** Called with each page's candidates, once decided, before the next page is read. @default - none */
  readonly onCandidates?: (candidates: readonly RoleDecision[]) => Promise<void>;
  /**
   * Keep the candidates for the report (`missing`, `conflicts`), as the CLI's `fix` needs them. Without,
   * the report only counts them: `onCandidates` has had each, and memory holds one page at a time.
   * @default true
   */
  readonly keepCandidates?: boolean;
  /**
   * The ownership record for a profile name (core/ownership.ts), read only for an empty profile tagged as ours:
   * proven ours, the role adopts it; only tagged, it is a conflict.
   * @default - no record: every such profile is a conflict
   */
  readonly readRecord?: RecordReader;
}

/** Reads one instance profile with its tags and roles. */
export type ProfileReader = (name: string) => Promise<ProfileSnapshot | 'absent'>;

/** Reads the ownership record for a profile name. */
export type RecordReader = (profileName: string) => Promise<RecordFact>;

/** The reader when there is no record to read. */
const NO_RECORD: RecordReader = async () => 'no-table';

/** Scans the account: every role, decided as `found-by-scan`. Changes nothing. */
export async function scanAccount(deps: ScanDeps, scanId: string = randomUUID()): Promise<ScanReport> {
  const { iam, config } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const pages = { roles: 0, profiles: 0 };
  let reads = 0;
  const tally = new Tally(deps.keepCandidates ?? true);
  const progress = () => deps.onProgress?.({ pages: pages.roles + pages.profiles, rolesSeen: tally.scanned });

  // IAM names are unique case-insensitively: a profile `App` is in the way of a role `app`.
  const profileNames = new Set<string>();
  for await (const page of listProfilePages(iam)) {
    pages.profiles++;
    for (const profile of page) profileNames.add(iamNameKey(profile.name));
    progress();
  }

  const read: ProfileReader = (name) => {
    reads++;
    return readProfile(iam, name);
  };
  for await (const page of listRolePages(iam)) {
    pages.roles++;
    let candidates: { listed: ListedRole; decision: RoleDecision }[] = [];
    for (const listed of page) {
      const sameName = profileNames.has(iamNameKey(listed.role.name)) ? 'exists' : 'absent';
      const decision = await decideListed(listed, sameName, config, { now, scanId }, read, deps.readRecord);
      if (isCandidate(decision)) candidates.push({ listed, decision });
      else tally.add(decision);
    }
    if (deps.creators !== undefined && candidates.length > 0) {
      const creators = await deps.creators.find(
        candidates.map(({ listed }) => ({ ...listed.role, createDate: listed.createDate })),
      );
      candidates = await Promise.all(
        candidates.map(async ({ listed, decision }) => {
          const creator = creators.get(listed.role.name);
          if (creator === undefined) return { listed, decision };
          // Decided again with its creator; the same-name profile read the first time is not read again.
          const profile = decision.known.sameNameProfile;
          const reread: ProfileReader = (name) => (typeof profile === 'object' ? Promise.resolve(profile) : read(name));
          const sameName = profileNames.has(iamNameKey(listed.role.name)) ? 'exists' : 'absent';
          const context = { now, scanId, creator: scanCreator(creator) };
          return { listed, decision: await decideListed(listed, sameName, config, context, reread, deps.readRecord) };
        }),
      );
    }
    const kept = candidates.map(({ decision }) => decision);
    for (const decision of kept) tally.add(decision);
    await deps.onCandidates?.(kept.filter(isCandidate));
    progress();
  }
  return { ...tally.classification(), scanId, pages, iamCalls: pages.roles + pages.profiles + reads };
}

/** Whether a decision makes the role a candidate: a profile to create or adopt, or a conflict. */
function isCandidate(decision: RoleDecision): boolean {
  return decision.plan.kind === 'create' || decision.plan.kind === 'adopt' || decision.plan.kind === 'conflict';
}

/**
 * Decides about one listed role, as {@link decide} would from an event, but starting from the listing's
 * facts: `sameName` says whether a profile of the role's name exists. The only fact a listing may lack is
 * that profile's tags: `read` is called for it only when the decision needs it.
 */
export async function decideListed(
  listed: ListedRole,
  sameName: 'absent' | 'exists',
  config: Config,
  context: { readonly now: Date; readonly scanId: string; readonly creator?: ScanOrigin['creator'] },
  read: ProfileReader,
  readRecord: RecordReader = NO_RECORD,
): Promise<RoleDecision> {
  const roleName = listed.role.name;
  const origin: ScanOrigin = { type: 'scan', scanId: context.scanId, creator: context.creator };
  const trigger: RoleTrigger = { kind: 'found-by-scan', roleName, origin };
  let facts: Facts = {
    trigger,
    now: context.now,
    role: listed.role,
    roleProfiles: listed.profileNames,
    sameNameProfile: sameName,
    // A scan finds what is missing; the quota headroom is the remediator's to apply when it acts.
    profileUsage: 'unknown',
  };
  for (;;) {
    const step = decide(facts, config);
    if (step.kind !== 'need') {
      const { role, roleProfiles, sameNameProfile } = facts;
      const decided = { roleName, plan: step, known: { role, roleProfiles, sameNameProfile } };
      return context.creator === undefined ? decided : { ...decided, creator: context.creator };
    }
    if (step.fact === 'ownership') {
      facts = { ...facts, ownership: await readRecord(roleName) };
      continue;
    }
    if (step.fact !== 'sameNameProfile' || facts.sameNameProfile !== 'exists') {
      throw new AutoInstanceProfileError(`scan of role ${roleName}: the decision needs ${step.fact}, not in a listing`);
    }
    facts = { ...facts, sameNameProfile: await read(roleName) };
  }
}

/** Whether a role left alone for this reason is still one EC2 may assume, neither opted out nor excluded. */
const EC2_ROLE: Readonly<Record<NothingReason, boolean>> = {
  'already-in-profile': true,
  'opted-out': false,
  // EC2 may assume it, but selection=opt-in leaves it out: counted as not selected, not as an EC2 role to serve.
  'not-opted-in': false,
  'excluded-path': false,
  'trust-unreadable': false,
  'no-ec2-trust': false,
  'ec2-denied': false,
  // A scan looks creators up for its candidates only, roles EC2 may assume: left alone for who made them.
  'own-call': true,
  'ignored-caller': true,
  'creator-unknown': true,
  'creator-pending': true,
  // Not reached from a scan of roles that exist; counted as not EC2 roles should that change.
  'role-gone': false,
  'not-in-profile': false,
  'held-by-unmanaged-profile': false,
  'no-leftover-profile': false,
  'leftover-not-ours': false,
  'leftover-in-use': false,
  'held-by-unbound-profile': false,
  'held-by-unrecorded-profile': false,
  'leftover-unrecorded': false,
  'stale-event': false,
  'policies-remain': false,
  'quota-headroom': true,
  'role-exists-again': false,
};

/** Sorts the decisions into the summary, the missing profiles and the conflicts. Pure. */
export function classify(decisions: readonly RoleDecision[]): Classification {
  const tally = new Tally();
  for (const decision of decisions) tally.add(decision);
  return tally.classification();
}

/** {@link classify}, one decision at a time: counts every decision, keeps only the candidates (if `keep`). */
export class Tally {
  private readonly missing: MissingProfile[] = [];
  private readonly conflicts: Conflict[] = [];
  private readonly pending: Pending[] = [];
  private readonly notSelected: Pending[] = [];
  private notSelectedCount = 0;
  private missingCount = 0;
  private conflictCount = 0;
  private pendingCount = 0;
  private ec2Roles = 0;
  private optedOut = 0;
  /** Decisions counted so far. */
  public scanned = 0;

  constructor(private readonly keep: boolean = true) {}

  /** Counts one decision. */
  add(decision: RoleDecision): void {
    this.scanned++;
    const { plan } = decision;
    switch (plan.kind) {
      case 'create':
      case 'adopt':
        if (this.keep) this.missing.push({ ...decision, plan });
        this.missingCount++;
        this.ec2Roles++;
        break;
      case 'conflict':
        if (this.keep) this.conflicts.push({ ...decision, plan });
        this.conflictCount++;
        this.ec2Roles++;
        break;
      case 'nothing':
        if (EC2_ROLE[plan.reason]) this.ec2Roles++;
        if (plan.reason === 'opted-out') this.optedOut++;
        if (plan.reason === 'not-opted-in') {
          if (this.keep) this.notSelected.push({ ...decision, plan });
          this.notSelectedCount++;
        }
        if (plan.reason === 'creator-pending') {
          if (this.keep) this.pending.push({ ...decision, plan });
          this.pendingCount++;
        }
        break;
      case 'retry':
      case 'release':
      case 'cleanup':
        // Not plans for a role a listing just showed; a scan never counts them.
        break;
    }
  }

  /** The summary and the candidates so far. */
  classification(): Classification {
    return {
      summary: {
        scanned: this.scanned,
        ec2Roles: this.ec2Roles,
        missing: this.missingCount,
        conflicts: this.conflictCount,
        optedOut: this.optedOut,
        notSelected: this.notSelectedCount,
        pending: this.pendingCount,
        created: 0,
      },
      missing: [...this.missing],
      conflicts: [...this.conflicts],
      pending: [...this.pending],
      notSelected: [...this.notSelected],
    };
  }
}
