/**
 * `pause --org` and `resume --org` through the built CLI, against a moto of their own holding an organization: the
 * management account (the caller's, where the service is not installed) and four members: alpha and beta have the
 * service as the organization's StackSet leaves it (a `StackSet-…` stack, its queues, its remediator and mappings),
 * gamma has not, and delta has lost OrganizationAccountAccessRole (moto would still grant AssumeRole into it; the
 * proxy refuses it as AWS does, emulator/assume-role.ts).
 */
import { DeleteRoleCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assumeRoleChecks } from '../../emulator/assume-role.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOrganization, type EmulatedAccount, type EmulatedOrganization } from '../../emulator/organization.js';
import { type ProxyServer, proxiedAwsEnv, startProxy } from '../../emulator/proxy.js';
import { cliEnv, runCli, sharedFiles } from './support/cli.js';
import { type ServiceInMoto, serviceInMoto } from './support/service-in-moto.js';

/** The `--json` document of `pause --org` and `resume --org`, as far as the test reads it. */
interface OrgSwitchJson {
  readonly command: string;
  readonly action: string;
  readonly summary: Record<string, number>;
  readonly accounts: readonly {
    readonly accountId: string;
    readonly name: string;
    readonly status: string;
    readonly error?: string;
    readonly summary?: { readonly stack: string; readonly outcome: string; readonly state: string };
  }[];
}

let moto: MotoServer;
let proxy: ProxyServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let org: EmulatedOrganization;
/** The service in alpha and beta, by account name. */
const services = new Map<string, ServiceInMoto>();

function member(name: string): EmulatedAccount {
  const found = org.members.find((account) => account.name === name);
  if (found === undefined) throw new Error(`no member ${name}`);
  return found;
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startProxy({ targetUrl: moto.url, hooks: [assumeRoleChecks(moto.url)] });
  files = await sharedFiles();
  org = await createOrganization(moto.url, [
    { name: 'alpha', inOu: true },
    { name: 'beta', inOu: true },
    { name: 'gamma', inOu: true },
    { name: 'delta' },
  ]);
  await Promise.all(
    ['alpha', 'beta'].map(async (name) => {
      const account = member(name);
      services.set(
        name,
        await serviceInMoto(
          { endpoint: moto.url, region: 'us-east-1', credentials: account.credentials },
          { stackName: `StackSet-AutoInstanceProfile-${account.accountId}`, name: `service-${name}` },
        ),
      );
    }),
  );
  // delta's administrators removed the role the organization reaches it through.
  await member('delta').iam.send(new DeleteRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }));
  // An organization of five accounts and two services in moto: on a machine shared with other suites, more than the
  // default minute.
}, 120_000);

afterAll(async () => {
  for (const service of services.values()) service.destroy();
  org?.close();
  await proxy?.close();
  await moto?.stop();
  await files?.remove();
});

/** The built CLI as a user runs it: moto through the standard variables, IAM and STS through the proxy. */
function cli(...args: string[]) {
  return runCli(args, cliEnv(files.dir, proxiedAwsEnv(moto.url, proxy)));
}

async function states() {
  return {
    alpha: await services.get('alpha')?.states(),
    beta: await services.get('beta')?.states(),
  };
}

const PAUSED = { settle: 'Disabled', immediate: 'Disabled' };
const RUNNING = { settle: 'Enabled', immediate: 'Enabled' };

describe('pause --org and resume --org through the built CLI', () => {
  it('refuses without --yes off a terminal, changing nothing', async () => {
    // Act
    const run = await cli('pause', '--org');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pass --yes to confirm when not on a terminal');
    expect(await states()).toEqual({ alpha: RUNNING, beta: RUNNING });
  });

  it('pauses every account where the service is installed, leaves out the others, reports the unreachable one, and exits 1', async () => {
    // Act
    const run = await cli('pause', '--org', '--yes', '--json');

    // Assess
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as OrgSwitchJson;
    expect(report).toMatchObject({ command: 'pause', action: 'pause' });
    expect(report.summary).toEqual({
      accounts: 5,
      scanned: 2,
      unreachable: 1,
      leftOut: 2,
      switched: 4,
      paused: 2,
      running: 0,
      incomplete: 0,
    });
    const byName = new Map(report.accounts.map((entry) => [entry.name, entry]));
    for (const name of ['alpha', 'beta']) {
      expect(byName.get(name)).toMatchObject({
        status: 'scanned',
        summary: { stack: `StackSet-AutoInstanceProfile-${member(name).accountId}`, outcome: 'done', state: 'paused' },
      });
    }
    expect(byName.get('gamma')).toMatchObject({
      status: 'left-out',
      error: "the service is not installed: no AutoInstanceProfile stack, nor a StackSet's, in us-east-1",
    });
    expect(byName.get(org.management.name)).toMatchObject({ status: 'left-out' });
    expect(byName.get('delta')).toMatchObject({ status: 'unreachable' });
    expect(byName.get('delta')?.error).toMatch(/^AccessDenied: .*sts:AssumeRole.*OrganizationAccountAccessRole/);
    expect(await states()).toEqual({ alpha: PAUSED, beta: PAUSED });
  });

  it('resumes only the accounts selected, with a line per account and the totals, and exits 0', async () => {
    // Act
    const run = await cli('resume', '--org', '--yes', '--accounts', member('alpha').accountId);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`\\n {2}${member('alpha').accountId} {2}alpha +scanned +running +done +stack `),
    );
    expect(run.stdout).toContain(
      'Organization: 1 accounts, reached 1 with the service, unreachable 0, left out 0 (not installed); switched 2 event source mappings; paused 0, running 1, incomplete 0.',
    );
    expect(await states()).toEqual({ alpha: RUNNING, beta: PAUSED });
  });

  it('resumes the OU: the account already running is unchanged, the paused one resumes', async () => {
    // Act
    const run = await cli('resume', '--org', '--yes', '--ou', org.ouId, '--json');

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as OrgSwitchJson;
    expect(report.summary).toMatchObject({ accounts: 3, scanned: 2, leftOut: 1, switched: 2, running: 2 });
    expect(report.accounts.map((entry) => [entry.name, entry.summary?.outcome])).toEqual([
      ['alpha', 'unchanged'],
      ['beta', 'done'],
      ['gamma', undefined],
    ]);
    expect(await states()).toEqual({ alpha: RUNNING, beta: RUNNING });
  });
});
