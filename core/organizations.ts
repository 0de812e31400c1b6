/**
 * The name rules of AWS Organizations and of CloudFormation StackSets that the organization stack and the
 * `--org` commands both check, in one place: what an organizational unit id looks like, and whom a StackSet
 * call is made as. Pure, and free of aws-cdk-lib, so that the CLI bundle can read it.
 */

/**
 * An organization root (`r-…`) or organizational unit (`ou-…-…`) id, as Organizations and CloudFormation's
 * DeploymentTargets take it (Organizations API Reference, OrganizationalUnit and Root, Id).
 */
export const ORGANIZATIONAL_UNIT_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;

/**
 * Whom a StackSet call is made as (CloudFormation's `CallAs`, the AWS CLI's `--call-as`): the management account
 * itself, or an account registered as a delegated administrator for StackSets.
 */
export const CALL_AS = ['SELF', 'DELEGATED_ADMIN'] as const;
/** See {@link CALL_AS}. */
export type CallAs = (typeof CALL_AS)[number];
