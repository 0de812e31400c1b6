/**
 * The least-privilege member role for the `--org` commands, for teams that do not want them to use
 * OrganizationAccountAccessRole (administrator access). A stack of its own, synthesized to
 * `infra/templates/org-access-role.template.json` (`npm run synth:org-access`), which the organization deploys
 * as a service-managed StackSet: one role in every member account, trusting one account (the management
 * account or the delegated administrator that runs the CLI), granted exactly what core/member-role.ts lists.
 */
import { writeFileSync } from 'node:fs';
import { App, ArnFormat, Aws, BootstraplessSynthesizer, CfnOutput, CfnParameter, Stack } from 'aws-cdk-lib';
import { AccountPrincipal, Effect, PolicyDocument, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { conditionBlock } from '../core/iam/permissions.js';
import {
  DEFAULT_MEMBER_ROLE,
  MEMBER_ROLE_IAM_PERMISSIONS,
  MEMBER_ROLE_PAUSE_ACTIONS,
  MEMBER_ROLE_PAUSE_FUNCTIONS,
  MEMBER_ROLE_READ_ACTIONS,
  MEMBER_ROLE_RECONCILE_NOW,
} from '../core/member-role.js';
import { ROLE_NAME_PATTERN } from '../core/names.js';
import { iamEventRegionOf } from './organization.js';
import { iamPolicyStatements } from './permissions.js';

/** Where the template is committed, for `aws cloudformation create-stack-set --template-body file://…`. */
export const ORG_ACCESS_ROLE_TEMPLATE = 'infra/templates/org-access-role.template.json';

/** The role's default name: pass it to the CLI as `--role-name`. */
export const ORG_ACCESS_ROLE_NAME = 'AutoInstanceProfileOrgAccess';

/** The member role's stack: parameters `TrustedAccountId` and `RoleName`, no bootstrap needed. */
export class OrgAccessRoleStack extends Stack {
  constructor(scope: App, id: string) {
    super(scope, id, {
      synthesizer: new BootstraplessSynthesizer(),
      description: `auto-instance-profile: the role scan/fix/doctor/decisions --org assume in this account instead of ${DEFAULT_MEMBER_ROLE}`,
    });
    const trusted = new CfnParameter(this, 'TrustedAccountId', {
      type: 'String',
      allowedPattern: '^\\d{12}$',
      description: 'The account that runs the CLI: the management account, or the delegated administrator',
    });
    const roleName = new CfnParameter(this, 'RoleName', {
      type: 'String',
      default: ORG_ACCESS_ROLE_NAME,
      allowedPattern: ROLE_NAME_PATTERN.source,
      description: 'The role name to pass to the CLI as --role-name',
    });
    const policy = new PolicyDocument({
      statements: [
        ...iamPolicyStatements(this, MEMBER_ROLE_IAM_PERMISSIONS),
        new PolicyStatement({
          sid: 'ReadsBesidesIam',
          effect: Effect.ALLOW,
          actions: [...MEMBER_ROLE_READ_ACTIONS].sort(),
          resources: ['*'],
        }),
        // pause --org and resume --org: the event source mappings of the service's functions, and no others.
        new PolicyStatement({
          sid: 'PauseAndResume',
          effect: Effect.ALLOW,
          actions: [...MEMBER_ROLE_PAUSE_ACTIONS],
          resources: [`arn:${Aws.PARTITION}:lambda:*:${Aws.ACCOUNT_ID}:event-source-mapping:*`],
          conditions: {
            ArnLike: {
              'lambda:FunctionArn': MEMBER_ROLE_PAUSE_FUNCTIONS.map(
                (name) => `arn:${Aws.PARTITION}:lambda:*:${Aws.ACCOUNT_ID}:function:${name}`,
              ),
            },
          },
        }),
        // fix --org hands over to the service: it starts the stack's reconcile function, in the stack's region (the
        // partition's IAM event region), and no other function (the tag the stack puts on that one alone).
        new PolicyStatement({
          sid: 'ReconcileNow',
          effect: Effect.ALLOW,
          actions: [...MEMBER_ROLE_RECONCILE_NOW.actions],
          resources: [
            this.formatArn({
              service: 'lambda',
              region: iamEventRegionOf(this),
              resource: 'function',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
          conditions: conditionBlock([MEMBER_ROLE_RECONCILE_NOW.condition]),
        }),
      ],
    });
    const role = new Role(this, 'Role', {
      roleName: roleName.valueAsString,
      assumedBy: new AccountPrincipal(trusted.valueAsString),
      description:
        'auto-instance-profile --org: scan, fix (create and link our tagged profiles only), doctor, decisions, pause and resume',
      inlinePolicies: { AutoInstanceProfileOrg: policy },
    });
    new CfnOutput(this, 'RoleArn', { value: role.roleArn });
  }
}

/** The template as synthesized. */
export function orgAccessRoleTemplate(): unknown {
  const app = new App();
  const stack = new OrgAccessRoleStack(app, 'AutoInstanceProfileOrgAccess');
  return app.synth().getStackByName(stack.stackName).template;
}

// `npm run synth:org-access` writes the committed template.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [first] = process.argv.slice(2);
  if (first === '--help' || first === '-h') {
    console.log(
      `Usage: npm run synth:org-access\n\nSynthesizes the --org commands' member role to ${ORG_ACCESS_ROLE_TEMPLATE}. Takes no options.`,
    );
  } else if (first !== undefined) {
    console.error(`npm run synth:org-access: takes no arguments, not "${first}"`);
    process.exitCode = 2;
  } else {
    writeFileSync(ORG_ACCESS_ROLE_TEMPLATE, `${JSON.stringify(orgAccessRoleTemplate(), null, 2)}\n`);
    console.log(`written: ${ORG_ACCESS_ROLE_TEMPLATE}`);
  }
}
