/**
 * A synthesized template as CloudFormation would deploy it into one account and region: the intrinsic functions
 * (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::FindInMap, Fn::If) resolved into concrete values,
 * and every resource without a name given the physical name CloudFormation makes (`<stack>-<logical id>-<suffix>`),
 * so that the policies can be evaluated against concrete ARNs. A value it cannot resolve becomes `UNRESOLVED(…)`,
 * which {@link DeployedTemplate.policyOf} refuses to hand out.
 */
import { createHash } from 'node:crypto';

/** Where the template is deployed. */
export interface Deployment {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  /** The stack's name: `AutoInstanceProfile`, or a StackSet's `StackSet-<name>-<uuid>`. */
  readonly stackName: string;
  /** Values of the template's parameters, by name; a parameter's Default is used otherwise. */
  readonly parameters?: Readonly<Record<string, string>>;
}

type Json = unknown;

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}

interface Template {
  readonly Resources: Record<string, Resource>;
  readonly Parameters?: Record<string, { readonly Default?: string }>;
  readonly Mappings?: Record<string, Record<string, Record<string, Json>>>;
  readonly Conditions?: Record<string, Json>;
}

/** The DNS suffix of a partition. */
function urlSuffix(partition: string): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** A template resolved for one deployment. */
export class DeployedTemplate {
  private readonly template: Template;

  constructor(
    template: Json,
    readonly deployment: Deployment,
  ) {
    this.template = template as Template;
  }

  /** The resolved properties of a resource. */
  properties(logicalId: string): Record<string, Json> {
    return this.resolve(this.resource(logicalId).Properties ?? {}) as Record<string, Json>;
  }

  /** The logical ids of the resources of a type. */
  idsOfType(type: string): string[] {
    return Object.entries(this.template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([id]) => id);
  }

  /** The ARN CloudFormation gives a resource (Fn::GetAtt Arn, or Ref for the types whose Ref is the ARN). */
  arnOf(logicalId: string): string {
    return this.getAtt(logicalId, 'Arn');
  }

  /**
   * A resolved policy document, refused when anything in it could not be resolved: an unresolved ARN would match
   * nothing and make a deny look like it holds.
   */
  policyOf(document: Json): Record<string, unknown> {
    const resolved = this.resolve(document) as Record<string, unknown>;
    const text = JSON.stringify(resolved);
    if (text.includes('UNRESOLVED(')) throw new Error(`Unresolved values in a policy: ${text}`);
    return resolved;
  }

  /** The AWS managed policies a role has attached (their ARNs), which this evaluation cannot read. */
  managedPoliciesOf(roleId: string): string[] {
    return ((this.resolve(this.resource(roleId).Properties?.ManagedPolicyArns) as string[] | undefined) ?? []).map(
      String,
    );
  }

  /**
   * Every identity policy of a role: its inline `Policies` and every AWS::IAM::Policy that names it. Refused for a role
   * with managed policies, which would be missing from the answer.
   */
  identityPoliciesOf(roleId: string): Record<string, unknown>[] {
    const role = this.resource(roleId);
    const inline = ((role.Properties?.Policies as { PolicyDocument: Json }[] | undefined) ?? []).map((policy) =>
      this.policyOf(policy.PolicyDocument),
    );
    const attached = this.idsOfType('AWS::IAM::Policy')
      .map((id) => this.resource(id).Properties ?? {})
      .filter((properties) =>
        ((properties.Roles as Json[] | undefined) ?? []).some(
          (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleId }),
        ),
      )
      .map((properties) => this.policyOf(properties.PolicyDocument));
    if (this.managedPoliciesOf(roleId).length > 0) {
      throw new Error(`${roleId} has managed policies, which this evaluation cannot read`);
    }
    return [...inline, ...attached];
  }

  /** The resolved trust policy of a role (its AssumeRolePolicyDocument). */
  trustPolicyOf(roleId: string): Record<string, unknown> {
    return this.policyOf(this.resource(roleId).Properties?.AssumeRolePolicyDocument);
  }

  /** The resolved resource policy of a DynamoDB table, or undefined when it has none. */
  tablePolicyOf(tableId: string): Record<string, unknown> | undefined {
    const policy = this.resource(tableId).Properties?.ResourcePolicy as { PolicyDocument?: Json } | undefined;
    return policy?.PolicyDocument === undefined ? undefined : this.policyOf(policy.PolicyDocument);
  }

  /** The resolved policy of the queue policy resource that names `queueId`. */
  queuePolicyOf(queueId: string): Record<string, unknown> {
    const found = this.idsOfType('AWS::SQS::QueuePolicy')
      .map((id) => this.resource(id).Properties ?? {})
      .filter((properties) =>
        ((properties.Queues as Json[] | undefined) ?? []).some(
          (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: queueId }),
        ),
      );
    if (found.length !== 1) throw new Error(`expected one queue policy for ${queueId}, found ${found.length}`);
    return this.policyOf(found[0]?.PolicyDocument);
  }

  private resource(logicalId: string): Resource {
    const resource = this.template.Resources[logicalId];
    if (resource === undefined) throw new Error(`no resource ${logicalId}`);
    return resource;
  }

  /** The name CloudFormation gives a resource that names none: the stack's name, the logical id, a suffix. */
  private generatedName(logicalId: string, maxLength = 64): string {
    const suffix = createHash('sha256')
      .update(`${this.deployment.stackName}/${logicalId}`)
      .digest('hex')
      .slice(0, 12)
      .toUpperCase();
    return `${`${this.deployment.stackName}-${logicalId}`.slice(0, maxLength - suffix.length - 1)}-${suffix}`;
  }

  /** A resource's physical name: the one its properties give, else the generated one. */
  private physicalName(logicalId: string): string {
    const resource = this.resource(logicalId);
    const nameProperty: Readonly<Record<string, string>> = {
      'AWS::SQS::Queue': 'QueueName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::Events::Rule': 'Name',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::DynamoDB::Table': 'TableName',
    };
    const property = nameProperty[resource.Type];
    const given = property === undefined ? undefined : resource.Properties?.[property];
    if (given !== undefined) return String(this.resolve(given));
    if (resource.Type === 'AWS::S3::Bucket') return this.generatedName(logicalId).toLowerCase();
    // A table's name may be 255 characters long: CloudFormation cuts nothing of it.
    return this.generatedName(logicalId, resource.Type === 'AWS::DynamoDB::Table' ? 255 : 64);
  }

  private getAtt(logicalId: string, attribute: string): string {
    const { partition: p, account: a, region: r } = this.deployment;
    const resource = this.resource(logicalId);
    const name = () => this.physicalName(logicalId);
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::SQS::Queue.Arn':
        return `arn:${p}:sqs:${r}:${a}:${name()}`;
      case 'AWS::SQS::Queue.QueueName':
        return name();
      case 'AWS::SQS::Queue.QueueUrl':
        return `https://sqs.${r}.${urlSuffix(p)}/${a}/${name()}`;
      case 'AWS::IAM::Role.Arn': {
        const path = String(this.resolve(resource.Properties?.Path ?? '/'));
        return `arn:${p}:iam::${a}:role${path}${name()}`;
      }
      case 'AWS::IAM::Role.RoleId':
        return `AROA${createHash('sha256').update(logicalId).digest('hex').slice(0, 17).toUpperCase()}`;
      case 'AWS::Events::Rule.Arn':
        return `arn:${p}:events:${r}:${a}:rule/${name()}`;
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:${p}:dynamodb:${r}:${a}:table/${name()}`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:${p}:lambda:${r}:${a}:function:${name()}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:${p}:logs:${r}:${a}:log-group:${name()}:*`;
      case 'AWS::SNS::Topic.TopicArn':
        return `arn:${p}:sns:${r}:${a}:${name()}`;
      case 'AWS::S3::Bucket.Arn':
        return `arn:${p}:s3:::${name()}`;
      case 'Custom::OrganizationLookup.Roots.0.Id':
        return 'r-a1b2';
      default:
        return `UNRESOLVED(${logicalId}.${attribute})`;
    }
  }

  private ref(name: string): Json {
    const { partition, account, region, stackName } = this.deployment;
    const pseudo: Readonly<Record<string, string>> = {
      'AWS::Partition': partition,
      'AWS::AccountId': account,
      'AWS::Region': region,
      'AWS::URLSuffix': urlSuffix(partition),
      'AWS::StackName': stackName,
      'AWS::StackId': `arn:${partition}:cloudformation:${region}:${account}:stack/${stackName}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
    };
    if (name in pseudo) return pseudo[name];
    const parameter = this.template.Parameters?.[name];
    if (parameter !== undefined) {
      const value = this.deployment.parameters?.[name] ?? parameter.Default;
      return value ?? `UNRESOLVED(parameter ${name})`;
    }
    const resource = this.resource(name);
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return this.getAtt(name, 'QueueUrl');
      case 'AWS::SNS::Topic':
        return this.getAtt(name, 'TopicArn');
      default:
        return this.physicalName(name);
    }
  }

  private condition(name: string): boolean {
    const condition = this.template.Conditions?.[name];
    if (condition === undefined) throw new Error(`no condition ${name}`);
    return this.truth(condition);
  }

  private truth(expression: Json): boolean {
    const [[fn, args] = []] = Object.entries(expression as Record<string, Json[]>);
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(this.resolve(args?.[0])) === JSON.stringify(this.resolve(args?.[1]));
      case 'Fn::Not':
        return !this.truth(args?.[0]);
      case 'Fn::And':
        return (args ?? []).every((arg) => this.truth(arg));
      case 'Fn::Or':
        return (args ?? []).some((arg) => this.truth(arg));
      case 'Condition':
        return this.condition(args as unknown as string);
      default:
        throw new Error(`cannot evaluate the condition ${JSON.stringify(expression)}`);
    }
  }

  /** A value with every intrinsic function resolved. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item)).filter((item) => item !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, Json>);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined) {
      const [key, args] = first;
      switch (key) {
        case 'Ref':
          return args === 'AWS::NoValue' ? NO_VALUE : this.ref(String(args));
        case 'Fn::GetAtt': {
          const [id, ...attribute] = Array.isArray(args) ? (args as string[]) : String(args).split('.');
          return this.getAtt(String(id), attribute.join('.'));
        }
        case 'Fn::Join': {
          const [separator, parts] = args as [string, Json[]];
          return (this.resolve(parts) as Json[]).map(String).join(separator);
        }
        case 'Fn::Sub':
          return this.sub(args);
        case 'Fn::Select': {
          const [index, list] = args as [Json, Json];
          return (this.resolve(list) as Json[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = args as [string, Json];
          return String(this.resolve(text)).split(separator);
        }
        case 'Fn::FindInMap': {
          const [map, top, second] = (args as Json[]).map((arg) => String(this.resolve(arg)));
          return this.resolve(this.template.Mappings?.[map ?? '']?.[top ?? '']?.[second ?? '']);
        }
        case 'Fn::If': {
          const [name, then, otherwise] = args as [string, Json, Json];
          return this.resolve(this.condition(name) ? then : otherwise);
        }
        default:
          break;
      }
    }
    const resolved: Record<string, Json> = {};
    for (const [key, item] of entries) {
      const value = this.resolve(item);
      if (value !== NO_VALUE) resolved[key] = value;
    }
    return resolved;
  }

  private sub(args: Json): string {
    const [text, variables] = Array.isArray(args) ? (args as [string, Record<string, Json>]) : [String(args), {}];
    return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      const [id, ...attribute] = name.split('.');
      return String(attribute.length === 0 ? this.ref(name) : this.getAtt(String(id), attribute.join('.')));
    });
  }
}

/** AWS::NoValue: the property is left out. */
const NO_VALUE = Symbol('AWS::NoValue');
