/**
 * Synthesizes the stack the way the app does (same stack class, same cdk.json feature flags) into
 * a throwaway directory, for the infra tests.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ORG_STACK_NAME, STACK_NAME } from '../../../core/pipeline-settings.js';
import type { AutoInstanceProfileProps } from '../../../infra/auto-instance-profile.js';
import { AutoInstanceProfileOrgStack, type AutoInstanceProfileOrgStackProps } from '../../../infra/org-stack.js';
import { AutoInstanceProfileStack } from '../../../infra/stack.js';

/** The feature flags and settings in cdk.json's "context", which the real app runs with. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = (
  JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/** What a test synthesizes: the construct's props, the stack's environment and extra context. */
export interface SynthOptions {
  readonly props?: AutoInstanceProfileProps;
  /** @default - environment-agnostic, like a synth without a region */
  readonly env?: Environment;
  readonly context?: Record<string, unknown>;
}

/** A synthesized stack. */
export interface Synthesized {
  readonly app: App;
  readonly stack: AutoInstanceProfileStack;
  readonly template: Template;
}

const outdirs: string[] = [];

/** Builds the stack in a fresh App. Call {@link synthesize} when the template is needed too. */
export function buildStack(options: SynthOptions = {}): { app: App; stack: AutoInstanceProfileStack } {
  const outdir = mkdtempSync(join(tmpdir(), 'aip-cdk-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...options.context } });
  const stack = new AutoInstanceProfileStack(app, STACK_NAME, { env: options.env, service: options.props });
  return { app, stack };
}

/** Builds and synthesizes the stack. */
export function synthesize(options: SynthOptions = {}): Synthesized {
  const { app, stack } = buildStack(options);
  return { app, stack, template: Template.fromStack(stack) };
}

/** What a test synthesizes of the organization stack: its props, its environment and extra context. */
export interface OrgSynthOptions {
  readonly organization?: AutoInstanceProfileOrgStackProps['organization'];
  readonly service?: AutoInstanceProfileOrgStackProps['service'];
  readonly ouSettings?: AutoInstanceProfileOrgStackProps['ouSettings'];
  /** @default - environment-agnostic, like a synth without a region */
  readonly env?: Environment;
  readonly context?: Record<string, unknown>;
}

/** A synthesized organization stack, with the member template its StackSet deploys. */
export interface OrgSynthesized {
  readonly app: App;
  readonly stack: AutoInstanceProfileOrgStack;
  readonly template: Template;
  /** The StackSet's template, as the synthesizer wrote it beside the organization stack's. */
  readonly member: Template;
  /** The member template's path in the cloud assembly. */
  readonly memberPath: string;
}

/** Builds the organization stack in a fresh App, as infra/app.ts does. */
export function buildOrgStack(options: OrgSynthOptions = {}): { app: App; stack: AutoInstanceProfileOrgStack } {
  const outdir = mkdtempSync(join(tmpdir(), 'aip-cdk-org-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...options.context } });
  const stack = new AutoInstanceProfileOrgStack(app, ORG_STACK_NAME, {
    env: options.env,
    organization: options.organization,
    service: options.service,
    ouSettings: options.ouSettings,
  });
  return { app, stack };
}

/** Builds and synthesizes the organization stack, and reads the member template. */
export function synthesizeOrg(options: OrgSynthOptions = {}): OrgSynthesized {
  const { app, stack } = buildOrgStack(options);
  const template = Template.fromStack(stack);
  const memberPath = join(app.outdir, stack.member.templateFile);
  const member = Template.fromJSON(JSON.parse(readFileSync(memberPath, 'utf8')) as Record<string, unknown>);
  return { app, stack, template, member, memberPath };
}

/** Removes every directory this module synthesized into; call it from afterAll. */
export function removeSynthOutputs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The template's resources of one type, by logical id. */
export function resourcesOfType(
  template: Template,
  type: string,
): Record<string, { Properties?: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties?: Record<string, unknown> }>;
}

/** The only resource of a type: fails loudly if there is not exactly one. */
export function onlyResource(template: Template, type: string): { id: string; properties: Record<string, unknown> } {
  const entries = Object.entries(resourcesOfType(template, type));
  if (entries.length !== 1) throw new Error(`expected exactly one ${type}, found ${entries.length}`);
  const [id, resource] = entries[0] as [string, { Properties?: Record<string, unknown> }];
  return { id, properties: resource.Properties ?? {} };
}
