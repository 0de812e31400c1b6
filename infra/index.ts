/**
 * The package's entry, `import { AutoInstanceProfile } from 'auto-instance-profile'`: the constructs for a CDK app of
 * one's own and their props. Built to dist/index.mjs (scripts/package.mjs), with the functions' code prebuilt beside
 * it, so that a consumer's `cdk synth` needs neither esbuild nor TypeScript.
 */

export type { CallAs } from '../core/organizations.js';
export {
  AutoInstanceProfile,
  type AutoInstanceProfileAlarms,
  type AutoInstanceProfileProps,
} from './auto-instance-profile.js';
export type { OrganizationProps } from './org-props.js';
export {
  AutoInstanceProfileOrgStack,
  type AutoInstanceProfileOrgStackProps,
} from './org-stack.js';
export { AutoInstanceProfileOrganization, type AutoInstanceProfileOrganizationProps } from './organization.js';
export { InvalidSettingError, type LogLevel } from './props.js';
export { WrongRegionError } from './region-guard.js';
export { AutoInstanceProfileStack, type AutoInstanceProfileStackProps } from './stack.js';
