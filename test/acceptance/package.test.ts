/**
 * The package as a consumer gets it: `npm pack` (its prepack builds the constructs' library and takes the repository's
 * Node.js binaries out of the manifest), installed in an empty directory with aws-cdk-lib and constructs only (from
 * npm's cache when it can), a CDK app of the consumer's own that uses both constructs in stacks of its own, with its
 * own settings and its own context, synthesized by plain Node (no TypeScript, no esbuild), type-checked against the
 * package's types, and the CLI run from it with npx against moto.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packProblems } from '../../scripts/check-pack.mjs';

const REPO = new URL('../..', import.meta.url).pathname;
const MANIFEST = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};
const MOTO_URL = inject('motoUrl');
/** Packing builds the library (and its types), and installing unpacks aws-cdk-lib: minutes on a busy machine. */
const SLOW = 900_000;

const work = mkdtempSync(join(tmpdir(), 'aip-package-'));
const consumer = join(work, 'consumer');
let tarball: string;
let packedFiles: string[];

/** npm as a consumer runs it: scripts on (the tier may run with --ignore-scripts), no CI noise. */
function npm(args: readonly string[], cwd: string): string {
  const { npm_config_ignore_scripts: _ignored, ...env } = process.env;
  return execFileSync('npm', [...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The consumer's app: a stack of its own for the account, one for the organization, its own settings and topic. */
const APP = `import { App, Duration, Stack } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AutoInstanceProfile, AutoInstanceProfileOrganization } from 'auto-instance-profile';

const app = new App({ context: { team: 'platform' } });
const env = { account: '123456789012', region: 'us-east-1' };
const platform = new Stack(app, 'PlatformIam', { env });
const pager = new Topic(platform, 'Pager');
const service = new AutoInstanceProfile(platform, 'InstanceProfiles', {
  dryRun: true,
  settleDelay: Duration.seconds(60),
  ignoredCallers: ['cloudformation.amazonaws.com', 'terraform.example.com'],
  alarmTopic: pager,
});
service.queue.node.addMetadata('owner', 'platform');
const org = new Stack(app, 'PlatformOrg', { env });
new AutoInstanceProfileOrganization(org, 'Everywhere', {
  organization: { organizationalUnitIds: ['ou-abcd-12345678'], stackSetName: 'PlatformInstanceProfiles' },
  service: { maxConcurrency: 5 },
});
app.synth();
`;

beforeAll(async () => {
  // Prepare: the tarball, as npm publish would ship it
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], REPO)) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (packed === undefined) throw new Error('npm pack packed nothing');
  tarball = join(work, packed.filename);
  packedFiles = packed.files.map((file) => file.path);
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm(
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
      `aws-cdk-lib@${MANIFEST.devDependencies['aws-cdk-lib']}`,
      `constructs@${MANIFEST.devDependencies.constructs}`,
    ],
    consumer,
  );
}, SLOW);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the published package', () => {
  it('ships the library, its types, the bin and the functions, and nothing else', () => {
    // Assess
    expect(packProblems(packedFiles)).toEqual([]);
    const manifest = JSON.parse(
      readFileSync(join(consumer, 'node_modules/auto-instance-profile/package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest.version).toBe(MANIFEST.version);
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.optionalDependencies).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies as object).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  });

  it('installs with aws-cdk-lib and constructs only: no SDK, Powertools, esbuild, TypeScript or Node.js binary', () => {
    // Assess
    const installed = readdirSync(join(consumer, 'node_modules')).filter((name) => !name.startsWith('.'));
    for (const absent of ['@aws-sdk', '@aws-lambda-powertools', '@smithy', 'esbuild', 'typescript', 'tsx']) {
      expect(installed).not.toContain(absent);
    }
    expect(installed.filter((name) => name.startsWith('node-'))).toEqual([]);
    // The repository's own copy is not left behind: the manifest was put back after packing.
    expect(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).optionalDependencies).toBeDefined();
  });

  it("synthesizes the consumer's own stacks with plain Node, the functions' prebuilt code as assets", () => {
    // Prepare
    writeFileSync(join(consumer, 'app.mjs'), APP);
    const outdir = join(consumer, 'cdk.out');

    // Act
    const result = spawnSync(process.execPath, ['app.mjs'], {
      cwd: consumer,
      env: { ...process.env, CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });

    // Assess
    expect(result.status, result.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'PlatformIam.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    const queues = resources.filter((resource) => resource.Type === 'AWS::SQS::Queue');
    expect(queues.map((queue) => queue.Properties.DelaySeconds)).toContain(60);
    const functions = resources.filter((resource) => resource.Type === 'AWS::Lambda::Function');
    const environments = functions.map(
      (fn) => (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    );
    expect(environments.some((variables) => variables.DRY_RUN === 'true')).toBe(true);
    expect(
      environments.some(
        (variables) => variables.IGNORED_CALLERS === 'cloudformation.amazonaws.com,terraform.example.com',
      ),
    ).toBe(true);
    expect(resources.some((resource) => resource.Type === 'AWS::SNS::Topic')).toBe(true);
    // Each function's asset is the package's prebuilt bundle, copied into the consumer's cloud assembly.
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    const bundles = assets.filter((name) => existsSync(join(outdir, name, 'index.mjs')));
    expect(bundles.length).toBeGreaterThanOrEqual(2);
    const org = JSON.parse(readFileSync(join(outdir, 'PlatformOrg.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const stackSets = Object.values(org.Resources).filter(
      (resource) => resource.Type === 'AWS::CloudFormation::StackSet',
    );
    expect(stackSets.map((stackSet) => stackSet.Properties.StackSetName)).toEqual(['PlatformInstanceProfiles']);
  });

  it("type-checks the consumer's TypeScript against the package's types", () => {
    // Prepare: the same app in TypeScript, and a misuse that the types must refuse
    writeFileSync(join(consumer, 'app.ts'), APP);
    writeFileSync(
      join(consumer, 'wrong.ts'),
      `import { App, Stack } from 'aws-cdk-lib';\nimport { AutoInstanceProfile } from 'auto-instance-profile';\nnew AutoInstanceProfile(new Stack(new App(), 'S'), 'A', { settleDelay: 60 });\n`,
    );
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const compilerOptions = {
      noEmit: true,
      strict: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      skipLibCheck: true,
      types: [],
    };
    for (const name of ['app', 'wrong']) {
      writeFileSync(
        join(consumer, `tsconfig.${name}.json`),
        JSON.stringify({ compilerOptions, files: [`${name}.ts`] }),
      );
    }

    // Act
    const good = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.app.json'], { cwd: consumer, encoding: 'utf8' });
    const wrong = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.wrong.json'], { cwd: consumer, encoding: 'utf8' });

    // Assess
    expect(good.status, good.stdout).toBe(0);
    expect(wrong.status).not.toBe(0);
    // settleDelay is a Duration, not a number of seconds: the package's types say so.
    expect(wrong.stdout).toMatch(
      /wrong\.ts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'Duration'/,
    );
  });

  it('runs the CLI with npx: its version, and a scan of the account that finds an EC2 role without a profile', async () => {
    // Prepare: a role EC2 may assume, with no instance profile
    const roleName = `package-consumer-${Date.now()}`;
    await new IAMClient({ endpoint: MOTO_URL }).send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const env = { ...process.env, AWS_ENDPOINT_URL: MOTO_URL, AWS_ENDPOINT_URL_IAM: MOTO_URL };

    // Act
    const version = spawnSync('npx', ['--no-install', 'auto-instance-profile', '--version'], {
      cwd: consumer,
      env,
      encoding: 'utf8',
    });
    const scan = spawnSync('npx', ['--no-install', 'auto-instance-profile', 'scan', '--json', '--no-creator-lookup'], {
      cwd: consumer,
      env,
      encoding: 'utf8',
    });

    // Assess
    expect(version.stdout.trim()).toBe(MANIFEST.version);
    // Other files' roles share this moto: some may be missing too (exit 1), but never an error (2, 255).
    expect([0, 1], scan.stderr).toContain(scan.status);
    expect((JSON.parse(scan.stdout) as { missing: string[] }).missing).toContain(roleName);
  });
});
