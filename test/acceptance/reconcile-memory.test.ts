/**
 * The reconcile pass in bounded memory: the built bundle (dist/reconcile/index.mjs) reads an account of 5,000
 * roles whose inline policies and tags approach IAM's limits, in a child process on the Lambda runtime's
 * Node.js, started as Lambda's runtime starts it for the function's memory, and its peak RSS must stay within a share
 * of that memory.
 * moto answers GetAccountAuthorizationDetails in one page whatever MaxItems says, so a loopback stand-in serves the pages
 * as IAM does (MaxItems, Marker, IsTruncated), with SQS's SendMessageBatch and CloudTrail's LookupEvents beside
 * it. Slow: it builds and parses some 200 MB of XML.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECONCILE_MEMORY_MB } from '../../infra/reconcile.js';
import { COMMON_ENVIRONMENT } from '../../infra/service-function.js';
import { BUNDLES, REPO_ROOT } from '../../toolchain/bundles.mjs';
import { lambdaNodePath } from '../../toolchain/lambda-node.mjs';

/** The account: 5,000 roles, every other one an EC2 role without a profile (a candidate). */
const ROLES = 5000;
/** IAM's limits the roles approach: 10,240 characters of inline policy per role, 50 tags of 128 + 256 characters. */
const INLINE_POLICY_CHARS = 10_000;
const TAGS = 50;

const EC2_TRUST = encodeURIComponent(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  }),
);
const LAMBDA_TRUST = EC2_TRUST.replace('ec2.amazonaws.com', 'lambda.amazonaws.com');

/** Two inline policies of about half the limit each, URL-encoded as IAM returns them. */
function inlinePolicy(index: number, part: number): string {
  const resources: string[] = [];
  let length = 0;
  for (let i = 0; length < INLINE_POLICY_CHARS / 2; i++) {
    const resource = `arn:aws:s3:::bucket-${index}-${part}-${i}/prefix/*`;
    resources.push(resource);
    length += resource.length + 3;
  }
  return encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resources }],
    }),
  );
}

function roleXml(index: number): string {
  const name = `mem-${String(index).padStart(5, '0')}`;
  const tags = Array.from(
    { length: TAGS },
    (_, t) => `<member><Key>${`k${t}-`.padEnd(128, 'k')}</Key><Value>${`v${index}-`.padEnd(256, 'v')}</Value></member>`,
  ).join('');
  const policies = [0, 1]
    .map(
      (part) =>
        `<member><PolicyName>inline-${part}</PolicyName><PolicyDocument>${inlinePolicy(index, part)}</PolicyDocument></member>`,
    )
    .join('');
  const attached = Array.from(
    { length: 10 },
    (_, p) =>
      `<member><PolicyName>managed-${p}</PolicyName><PolicyArn>arn:aws:iam::123456789012:policy/managed-${p}</PolicyArn></member>`,
  ).join('');
  return (
    `<member><Path>/</Path><RoleName>${name}</RoleName><RoleId>AROA${String(index).padStart(17, '0')}</RoleId>` +
    `<Arn>arn:aws:iam::123456789012:role/${name}</Arn><CreateDate>2020-01-01T00:00:00Z</CreateDate>` +
    `<AssumeRolePolicyDocument>${index % 2 === 0 ? EC2_TRUST : LAMBDA_TRUST}</AssumeRolePolicyDocument>` +
    `<InstanceProfileList/><RolePolicyList>${policies}</RolePolicyList>` +
    `<AttachedManagedPolicies>${attached}</AttachedManagedPolicies><Tags>${tags}</Tags></member>`
  );
}

/** One GetAccountAuthorizationDetails page as IAM answers it: MaxItems roles from the Marker on. */
function authorizationDetailsPage(params: URLSearchParams): string {
  const from = Number(params.get('Marker') ?? '0');
  const size = Math.min(Number(params.get('MaxItems') ?? '100'), 1000);
  const to = Math.min(from + size, ROLES);
  const roles: string[] = [];
  for (let i = from; i < to; i++) roles.push(roleXml(i));
  const more = to < ROLES;
  return (
    '<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountAuthorizationDetailsResult>' +
    `<IsTruncated>${more}</IsTruncated>${more ? `<Marker>${to}</Marker>` : ''}<UserDetailList/><GroupDetailList/><Policies/>` +
    `<RoleDetailList>${roles.join('')}</RoleDetailList></GetAccountAuthorizationDetailsResult>` +
    '<ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>'
  );
}

const NO_PROFILES =
  '<ListInstanceProfilesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListInstanceProfilesResult>' +
  '<IsTruncated>false</IsTruncated><InstanceProfiles/></ListInstanceProfilesResult>' +
  '<ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></ListInstanceProfilesResponse>';

/** What the stand-in saw. */
const seen = { pages: [] as number[], sent: 0 };

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.endsWith('.SendMessageBatch')) {
    const { Entries } = JSON.parse(body) as { Entries: { Id: string; MessageBody: string }[] };
    seen.sent += Entries.length;
    const Successful = Entries.map((entry) => ({
      Id: entry.Id,
      MessageId: entry.Id,
      MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
    }));
    res
      .writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
      .end(JSON.stringify({ Successful, Failed: [] }));
    return;
  }
  if (typeof target === 'string' && target.endsWith('.LookupEvents')) {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ Events: [] }));
    return;
  }
  const params = new URLSearchParams(body);
  const action = params.get('Action');
  if (action === 'GetAccountAuthorizationDetails') {
    seen.pages.push(Number(params.get('MaxItems')));
    res.writeHead(200, { 'content-type': 'text/xml' }).end(authorizationDetailsPage(params));
  } else if (action === 'ListInstanceProfiles') {
    res.writeHead(200, { 'content-type': 'text/xml' }).end(NO_PROFILES);
  } else {
    res
      .writeHead(400, { 'content-type': 'text/xml' })
      .end(`<ErrorResponse><Error><Code>InvalidAction</Code><Message>${action}</Message></Error></ErrorResponse>`);
  }
}

/**
 * V8's heap as Lambda sizes it: the Node.js runtime's bootstrap starts `node` with
 * `--max-semi-space-size=<memory/10/2> --max-old-space-size=<memory - memory/10>` (MB) on its command line,
 * which wins over NODE_OPTIONS; for 512 MB, 25 and 461. The function's own NODE_OPTIONS come from its environment.
 */
function lambdaNodeArgs(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/**
 * Runs the reconcile bundle's handler once in a child process, as Lambda runs it: the Lambda runtime's Node.js with
 * Lambda's heap flags for `memoryMb`, then the runtime's script, here a driver that calls the handler once. Its result
 * and its peak RSS (bytes).
 */
async function runReconcile(
  endpoint: string,
  memoryMb: number,
): Promise<{ result: Record<string, unknown>; maxRssBytes: number }> {
  const driver = join(await mkdtemp(join(tmpdir(), 'reconcile-memory-')), 'driver.mjs');
  await writeFile(
    driver,
    `const { handler } = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, BUNDLES.reconcile.path)).href)});` +
      'const result = await handler();' +
      "process.stdout.write('\\nRESULT ' + JSON.stringify({ result, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\\n');",
  );
  const child = spawn(lambdaNodePath(), [...lambdaNodeArgs(memoryMb), driver], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'stand-in',
      AWS_SECRET_ACCESS_KEY: 'stand-in',
      QUEUE_URL: `${endpoint}/123456789012/remediator`,
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // The roles are older than CloudTrail's history (no creator found): every EC2 one is a candidate, the most work.
      UNKNOWN_CREATOR: 'remediate',
      NODE_OPTIONS: COMMON_ENVIRONMENT.NODE_OPTIONS,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      rm(dirname(driver), { recursive: true, force: true }).catch(() => undefined);
      if (code !== 0 || line === undefined) reject(new Error(`reconcile exited ${code}: ${err}${out}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

/**
 * The target: half the function's memory. Node.js with the bundle loaded is some 70 MiB before the first call; V8's
 * young generation, which Lambda's semi-space flag sizes from the memory (25 MiB at 512 MB), grows with what the pass
 * allocates. Measured: 163–179 MiB at 512 MB (three runs); 166–182 at 384 MB (within half, barely); 127–139 at 256 MB.
 */
const PEAK_SHARE = 0.5;

describe('reconcile in bounded memory', () => {
  it(`reads 5,000 roles at IAM's limits a page at a time, as Lambda runs it with ${RECONCILE_MEMORY_MB} MB, within ${PEAK_SHARE * 100}% of it`, async () => {
    // Act
    const { result, maxRssBytes } = await runReconcile(endpoint, RECONCILE_MEMORY_MB);

    // Assess: every page read as asked, every candidate sent, and the peak within its share of the function's memory.
    const peakMiB = maxRssBytes / 2 ** 20;
    console.info(`reconcile of ${ROLES} roles: peak RSS ${peakMiB.toFixed(1)} MiB, pages of ${seen.pages[0]}`);
    expect(result).toMatchObject({ summary: { scanned: ROLES, missing: ROLES / 2 }, queued: ROLES / 2 });
    expect(seen.sent).toBe(ROLES / 2);
    expect(seen.pages.length).toBe(Math.ceil(ROLES / (seen.pages[0] ?? 1)));
    expect(peakMiB).toBeLessThanOrEqual(RECONCILE_MEMORY_MB * PEAK_SHARE);
  }, 600_000);
});
