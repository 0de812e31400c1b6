/**
 * `fix` hands over to the service where it is installed and `fix` cannot record what it would make (issue 20,
 * finding 8 and "people's tools"), through the built CLI against moto: a profile `fix` made there unrecorded is one
 * the service could never prove its own, so the role's delete-role would break. Instead `fix` starts the stack's
 * reconcile function (one asynchronous Invoke, tagged function only), which decides and records itself:
 * - `fix --org`: in a member account with the service's stack, no IAM write by the CLI, one Invoke (Event); an account
 *   without the stack (`--all-accounts`) is still fixed directly;
 * - `fix` in one account whose stack has the record but no operator role: the same, instead of failing each role.
 * moto runs Lambda without docker (its simple Lambda, which answers an invocation and runs nothing): the pass itself
 * is test/integration/reconcile.test.ts's. Every run's calls are held to `policy fix` (--org --member), evaluated
 * with the function's tags (test/integration/support/policy-check.ts).
 */
import { CreateRoleCommand, GetInstanceProfileCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EC2_TRUST_POLICY } from '../../core/trust-policy.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOrganization, type EmulatedAccount, type EmulatedOrganization } from '../../emulator/organization.js';
import { type ProxyServer, startProxy } from '../../emulator/proxy.js';
import { cliEnv, type RecordedCliRun, runCliRecorded, sharedFiles } from './support/cli.js';
import { deployedStackInMoto } from './support/stack.js';

/** One Lambda invocation the CLI made: the function's path part and its invocation type. */
interface Invocation {
  readonly functionName: string;
  readonly invocationType: string | undefined;
}

/** What `fix --json` and `fix --org --json` say of a hand-over. */
interface HandedOver {
  readonly functionName?: string;
  readonly roles: number;
  readonly error?: string;
}

interface AccountEntry {
  readonly accountId: string;
  readonly status: string;
  readonly error?: string;
  readonly summary?: Record<string, number>;
  readonly handedOver?: HandedOver;
}

let files: Awaited<ReturnType<typeof sharedFiles>>;
const closers: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  files = await sharedFiles();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await files?.remove();
});

/**
 * A moto of the test's own, with Lambda's simple backend on (before any function is made: moto keeps the two
 * backends apart), behind a proxy that keeps the CLI's invocations.
 */
async function lambdaMoto(): Promise<{ moto: MotoServer; proxy: ProxyServer; invocations: Invocation[] }> {
  const moto = await startMoto();
  closers.push(() => moto.stop());
  const configured = await fetch(`${moto.url}/moto-api/config`, {
    method: 'POST',
    body: JSON.stringify({ lambda: { use_docker: false } }),
  });
  if (!configured.ok) throw new Error(`moto refused its Lambda config: ${configured.status}`);
  const invocations: Invocation[] = [];
  const proxy = await startProxy({
    targetUrl: moto.url,
    hooks: [
      {
        onRequest(request) {
          const path = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url);
          if (request.method === 'POST' && path !== null) {
            const type = request.headers['x-amz-invocation-type'];
            invocations.push({
              functionName: decodeURIComponent(path[1] ?? ''),
              invocationType: Array.isArray(type) ? type[0] : type,
            });
          }
          return undefined;
        },
      },
    ],
  });
  closers.push(() => proxy.close());
  return { moto, proxy, invocations };
}

async function ec2Role(iam: IAMClient, name: string): Promise<void> {
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(EC2_TRUST_POLICY) }));
}

async function hasProfile(iam: IAMClient, name: string): Promise<boolean> {
  try {
    await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    return true;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return false;
    throw error;
  }
}

/** The IAM writes a run made in an account (by the account its credentials were shown to STS as). */
function iamWritesIn(run: RecordedCliRun, accountId: string): string[] {
  return run.recording.calls
    .filter((call) => run.recording.identities.get(call.accessKeyId)?.account === accountId)
    .map((call) => call.action)
    .filter((action) => action.startsWith('iam:') && !/^iam:(Get|List)/.test(action));
}

function cliWith(endpoint: string) {
  return (...args: string[]) =>
    runCliRecorded(
      args,
      cliEnv(files.dir, {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_ENDPOINT_URL: endpoint,
      }),
    );
}

describe('fix --org hands over to the service where it is installed', () => {
  let org: EmulatedOrganization;
  let installed: EmulatedAccount;
  let bare: EmulatedAccount;
  let reconcileFunctionName: string;
  let invocations: Invocation[];
  let cli: ReturnType<typeof cliWith>;

  beforeAll(async () => {
    const made = await lambdaMoto();
    invocations = made.invocations;
    org = await createOrganization(made.moto.url, [{ name: 'installed' }, { name: 'bare' }]);
    closers.push(() => org.close());
    [installed, bare] = org.members as [EmulatedAccount, EmulatedAccount];
    // The installed account has the service's stack, with its operator role: --org still cannot write its record.
    ({ reconcileFunctionName } = await deployedStackInMoto(made.moto.url, {}, { credentials: installed.credentials }));
    await ec2Role(installed.iam, 'installed-app');
    await ec2Role(installed.iam, 'installed-web');
    await ec2Role(bare.iam, 'bare-app');
    // The roles were made straight in moto moments ago: the creators' lookup would find them pending.
    cli = cliWith(made.proxy.url);
  });

  it('makes no profile where the service is installed: starts its reconcile once (Event), says so; fixes the bare account itself; exits 0', async () => {
    // Act
    const before = invocations.length;
    const fix = await cli('fix', '--org', '--all-accounts', '--yes', '--no-creator-lookup', '--json');
    const started = invocations.slice(before);

    // Assess: one asynchronous invocation of the installed account's reconcile function, and no IAM write there.
    expect(fix.code, fix.stderr).toBe(0);
    expect(started).toEqual([{ functionName: reconcileFunctionName, invocationType: 'Event' }]);
    const invokes = fix.recording.calls.filter((call) => call.action === 'lambda:InvokeFunction');
    expect(invokes.map((call) => fix.recording.identities.get(call.accessKeyId)?.account)).toEqual([
      installed.accountId,
    ]);
    expect(invokes[0]?.function?.tags).toEqual({ 'auto-instance-profile:function': 'reconcile' });
    expect(iamWritesIn(fix, installed.accountId)).toEqual([]);
    expect(await hasProfile(installed.iam, 'installed-app')).toBe(false);
    expect(await hasProfile(installed.iam, 'installed-web')).toBe(false);
    // The report: handed over by account, counted done; the bare account fixed directly, as before.
    const document = JSON.parse(fix.stdout) as {
      summary: Record<string, number>;
      complete: boolean;
      accounts: AccountEntry[];
    };
    expect(document.summary).toMatchObject({ missing: 3, created: 1, handedOver: 2, leftOut: 0, conflicts: 0 });
    expect(document.complete).toBe(true);
    const entry = (account: EmulatedAccount) =>
      document.accounts.find((found) => found.accountId === account.accountId);
    expect(entry(installed)).toMatchObject({
      status: 'scanned',
      summary: { missing: 2, created: 0 },
      handedOver: { functionName: reconcileFunctionName, roles: 2 },
    });
    expect(entry(installed)).not.toHaveProperty('error');
    expect(entry(bare)).toMatchObject({ status: 'scanned', summary: { missing: 1, created: 1 } });
    expect(entry(bare)).not.toHaveProperty('handedOver');
    expect(iamWritesIn(fix, bare.accountId)).toContain('iam:CreateInstanceProfile');
    expect(await hasProfile(bare.iam, 'bare-app')).toBe(true);
  });

  it('says in its text which roles it handed over, and that the reconcile started', async () => {
    // Act: the service has not run here (moto's Lambda runs nothing), so the roles are still missing.
    const before = invocations.length;
    const fix = await cli('fix', '--org', '--yes', '--no-creator-lookup');

    // Assess
    expect(fix.code, fix.stderr).toBe(0);
    expect(invocations.slice(before)).toHaveLength(1);
    for (const role of ['installed-app', 'installed-web']) {
      expect(fix.stdout).toMatch(
        new RegExp(
          `${installed.accountId}  installed +${role} +handed-over +handed over to the service \\(reconcile started\\)`,
        ),
      );
    }
    expect(fix.stdout).toMatch(/Organization: .*, handed over 2\.\n/);
    expect(fix.stdout).toContain(
      'Fixed 0 of 2 missing in 1 account, handed over 2 to the service; undone 0, conflicts 0.',
    );
  });
});

describe('fix in one account whose stack has no operator role hands over to the service', () => {
  it('makes no profile, starts the reconcile once (Event), reports handedOver, and exits 0', async () => {
    // Prepare: the stack keeps its record, but nobody may write it but the service.
    const { moto, proxy, invocations } = await lambdaMoto();
    const { reconcileFunctionName } = await deployedStackInMoto(moto.url, {}, { operatorRole: false });
    const iam = callerIam(moto.url);
    await ec2Role(iam, 'solo-app');
    const cli = cliWith(proxy.url);

    // Act
    const fix = await cli('fix', '--yes', '--no-creator-lookup', '--json');

    // Assess
    expect(fix.code, fix.stderr).toBe(0);
    expect(invocations).toEqual([{ functionName: reconcileFunctionName, invocationType: 'Event' }]);
    expect(iamWritesIn(fix, '123456789012')).toEqual([]);
    expect(await hasProfile(iam, 'solo-app')).toBe(false);
    const document = JSON.parse(fix.stdout) as { summary: Record<string, number>; handedOver?: HandedOver };
    expect(document.summary).toMatchObject({ missing: 1, created: 0 });
    expect(document.handedOver).toEqual({ functionName: reconcileFunctionName, roles: 1 });
  });
});

/** An IAM client of moto's default account (the caller's). */
function callerIam(motoUrl: string): IAMClient {
  const client = new IAMClient({
    region: 'us-east-1',
    endpoint: motoUrl,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  closers.push(() => client.destroy());
  return client;
}
