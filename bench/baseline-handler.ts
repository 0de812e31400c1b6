// The bench's baseline: the smallest useful handler on the same stack (IAM client plus Powertools
// Logger), bundled with the same esbuild options as our functions.
import { Logger } from '@aws-lambda-powertools/logger';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';

const iam = new IAMClient({});
const logger = new Logger({ serviceName: 'baseline' });

export async function handler(event: { roleName: string }): Promise<unknown> {
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: event.roleName }));
  logger.info('role', { arn: Role?.Arn });
  return Role?.Arn;
}
