/**
 * AssumeRole as AWS answers it where moto does not. moto grants AssumeRole into any account and any role,
 * even one that does not exist (checked with moto 5.2: a deleted OrganizationAccountAccessRole is still
 * assumed). AWS refuses a role that does not exist with AccessDenied ("… is not authorized to perform:
 * sts:AssumeRole on resource: …"), which is how an organization's member account without the role looks to
 * `--org` commands. This proxy hook (proxy.ts) lets moto answer, then reads the role in the target account
 * with the credentials moto issued, and answers AccessDenied in moto's place when it is not there.
 */
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import type { ProxyHook, ProxyResponse } from './proxy.js';

/** STS's error answer in the query protocol's XML shape. */
export function stsErrorResponse(status: number, code: string, message: string): ProxyResponse {
  const escaped = message.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: Buffer.from(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escaped}</Message></Error><RequestId>emulated</RequestId></ErrorResponse>`,
    ),
  };
}

/** A hook that refuses AssumeRole into a role that does not exist, as AWS does; `targetUrl` is moto's. */
export function assumeRoleChecks(targetUrl: string): ProxyHook {
  return {
    async onResponse(request, response, { forwarded }) {
      if (!forwarded || request.call?.service !== 'sts' || request.call.action !== 'AssumeRole') return undefined;
      if (response.status !== 200) return undefined;
      const roleArn = request.call.params.find(([name]) => name === 'RoleArn')?.[1] ?? '';
      const roleName = roleArn.split(':role/')[1]?.split('/').pop();
      const xml = response.body.toString('utf8');
      const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
      const accessKeyId = field('AccessKeyId');
      const secretAccessKey = field('SecretAccessKey');
      if (roleName === undefined || accessKeyId === undefined || secretAccessKey === undefined) return undefined;
      const sessionToken = field('SessionToken');
      const iam = new IAMClient({
        region: 'us-east-1',
        endpoint: targetUrl,
        credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) },
      });
      try {
        await iam.send(new GetRoleCommand({ RoleName: roleName }));
        return undefined;
      } catch (error) {
        if (!(error instanceof NoSuchEntityException)) throw error;
        const caller = request.call.accessKeyId ?? 'the caller';
        return stsErrorResponse(
          403,
          'AccessDenied',
          `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      } finally {
        iam.destroy();
      }
    },
  };
}
