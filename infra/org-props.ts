/**
 * The organization stack's own settings: where the StackSet deploys, as whom, how fast, and who hears the alarms.
 * They are the rows of core/settings.ts marked `org: true`; their defaults and checks are the table's
 * (infra/props.ts). The service's settings (dry run, exclusions, settle delay, …) are the construct's props.
 */
import { type PropsOf, type ResolvedPropsOf, resolveStackProps } from './props.js';

/** Settings of {@link AutoInstanceProfileOrgStack} beside the service's. Every one is optional. */
export type OrganizationProps = PropsOf<'organization'>;

/** The organization props with every default filled in, after validation. */
export type ResolvedOrganizationProps = ResolvedPropsOf<'organization'>;

/** Fills in the defaults and throws an {@link InvalidSettingError} naming the prop if one is invalid. */
export function resolveOrganizationProps(props: OrganizationProps = {}): ResolvedOrganizationProps {
  return resolveStackProps('organization', props);
}
