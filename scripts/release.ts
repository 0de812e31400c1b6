#!/usr/bin/env node
// `npm run release`: writes release/, the files to deploy the service with CloudFormation alone, without Node or CDK:
// the single-account, organization, member and member access role templates, the functions' code as zip files, and
// SHA256SUMS. Upload the directory to a bucket (aws s3 cp release/ s3://BUCKET/PREFIX --recursive) and deploy a
// template with CodeBucket=BUCKET CodePrefix=PREFIX (docs/deploy.md, "From the release files").
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAssetPackaging } from 'aws-cdk-lib';
import {
  accountTemplate,
  type BuiltTemplate,
  memberAccessRoleTemplate,
  organizationTemplates,
  RELEASE_TEMPLATES,
} from '../infra/release/templates.js';

/** Where the release is written. */
export const RELEASE_DIR = 'release';

/** A zip of `dir` whose bytes depend on the files alone (names sorted, one fixed time), so SHA256SUMS is repeatable. */
function zipDirectory(dir: string, zip: string): void {
  execFileSync('python3', [
    '-c',
    `import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            info = zipfile.ZipInfo(os.path.relpath(path, src), (1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, 'rb') as f:
                z.writestr(info, f.read())`,
    dir,
    zip,
  ]);
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Copies or zips each asset a template refers to into the release, once. */
function writeAssets(built: BuiltTemplate, out: string): void {
  for (const { source, fileName } of built.assets) {
    if (fileName === RELEASE_TEMPLATES.member) continue;
    const path = join(built.outdir, source.fileName ?? '');
    if (source.packaging === FileAssetPackaging.ZIP_DIRECTORY) zipDirectory(path, join(out, fileName));
    else copyFileSync(path, join(out, fileName));
  }
}

function main(out: string): void {
  const work = mkdtempSync(join(tmpdir(), 'aip-release-'));
  try {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    const account = accountTemplate(work);
    const { organization, member } = organizationTemplates(work);
    writeJson(join(out, RELEASE_TEMPLATES.account), account.template);
    writeJson(join(out, RELEASE_TEMPLATES.organization), organization.template);
    writeJson(join(out, RELEASE_TEMPLATES.member), member.template);
    writeJson(join(out, RELEASE_TEMPLATES.memberAccessRole), memberAccessRoleTemplate());
    writeAssets(account, out);
    writeAssets(organization, out);
    const files = readdirSync(out).sort();
    const sums = files.map(
      (file) =>
        `${createHash('sha256')
          .update(readFileSync(join(out, file)))
          .digest('hex')}  ${file}`,
    );
    writeFileSync(join(out, 'SHA256SUMS'), `${sums.join('\n')}\n`);
    for (const file of [...files, 'SHA256SUMS']) console.log(join(out, file));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [first] = process.argv.slice(2);
  if (first === '--help' || first === '-h') {
    console.log(
      "Usage: npm run release\n\nWrites release/: the single-account, organization, member and member access role templates for\nCloudFormation alone, the functions' code as zip files, and SHA256SUMS. Takes no options.",
    );
  } else if (first === '--out' && process.argv[3] !== undefined) main(process.argv[3]);
  else if (first !== undefined) {
    console.error(`npm run release: takes no arguments, not "${first}"`);
    process.exitCode = 2;
  } else main(RELEASE_DIR);
}
