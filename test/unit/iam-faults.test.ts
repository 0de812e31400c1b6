import { describe, expect, it } from 'vitest';
import {
  eventualConsistency,
  iamErrorResponse,
  randomFaults,
  SERVICE_FAILURE,
  THROTTLING,
  tagRules,
} from '../../emulator/iam-faults.js';
import { DROP, type ProxyRequest, type ProxyResponse } from '../../emulator/proxy.js';
import { keyedRandom, seededRandom } from '../../emulator/random.js';

/** An IAM query-protocol request as the proxy reads it. */
function iamRequest(action: string, params: Record<string, string> = {}): ProxyRequest {
  return {
    method: 'POST',
    url: '/',
    headers: {},
    body: Buffer.from(''),
    call: { service: 'iam', action, params: Object.entries(params), accessKeyId: 'testing' },
    receivedAt: new Date(),
    remoteAddress: '127.0.0.1',
  };
}

const ok = (body: string): ProxyResponse => ({ status: 200, headers: {}, body: Buffer.from(body) });
const codeOf = (answer: unknown) =>
  answer === DROP
    ? 'DROP'
    : answer === undefined
      ? 'forward'
      : /<Code>(\w+)<\/Code>/.exec(String((answer as ProxyResponse).body))?.[1];

describe('seeded randomness', () => {
  it('repeats for the same seed or key and differs for another', () => {
    // Act
    const draw = (random: { next(): number }) => Array.from({ length: 5 }, () => random.next());

    // Assess
    expect(draw(seededRandom(1))).toEqual(draw(seededRandom(1)));
    expect(draw(seededRandom(1))).not.toEqual(draw(seededRandom(2)));
    expect(draw(keyedRandom(1, 'GetRole a'))).toEqual(draw(keyedRandom(1, 'GetRole a')));
    expect(draw(keyedRandom(1, 'GetRole a'))).not.toEqual(draw(keyedRandom(1, 'GetRole b')));
    expect(draw(seededRandom(3)).every((n) => n >= 0 && n < 1)).toBe(true);
  });
});

describe('randomFaults', () => {
  const requests = Array.from({ length: 2000 }, (_, i) => iamRequest('GetRole', { RoleName: `role-${i % 500}` }));
  const answersWith = async (seed: number, order: readonly ProxyRequest[]) => {
    const hook = randomFaults({
      seed,
      rates: { throttling: 0.2, serverError: 0.025, unavailable: 0.025, dropBefore: 0.05 },
    });
    const answers = new Map<ProxyRequest, string | undefined>();
    for (const request of order) answers.set(request, codeOf(await hook.onRequest?.(request)));
    return { answers: requests.map((request) => answers.get(request)), injected: hook.injected };
  };

  it('injects each fault at about its rate, the same ones for the same seed', async () => {
    // Act
    const first = await answersWith(42, requests);
    const again = await answersWith(42, requests);
    const other = await answersWith(43, requests);

    // Assess
    expect(again.answers).toEqual(first.answers);
    expect(other.answers).not.toEqual(first.answers);
    const share = (code: string) => first.answers.filter((answer) => answer === code).length / requests.length;
    expect(share('Throttling')).toBeGreaterThan(0.17);
    expect(share('Throttling')).toBeLessThan(0.23);
    expect(share('ServiceFailure')).toBeGreaterThan(0.01);
    expect(share('ServiceUnavailable')).toBeGreaterThan(0.01);
    expect(share('DROP')).toBeGreaterThan(0.03);
    expect(first.injected.throttling).toBe(first.answers.filter((answer) => answer === 'Throttling').length);
  });

  it('gives the nth identical request the same answer whatever order requests for other roles come in', async () => {
    // Prepare: the same requests, those of each role still in their order, the roles interleaved otherwise.
    const reordered = [...requests].sort((a, b) => (param(a) < param(b) ? -1 : param(a) > param(b) ? 1 : 0));

    // Act
    const inOrder = await answersWith(9, requests);
    const interleaved = await answersWith(9, reordered);

    // Assess
    expect(interleaved.answers).toEqual(inOrder.answers);
  });

  it('drops the connection after forwarding for its share of requests, and only then', async () => {
    // Prepare
    const hook = randomFaults({ seed: 1, rates: { dropAfter: 0.5 } });
    const answers: unknown[] = [];

    // Act
    for (const request of requests.slice(0, 200)) {
      expect(await hook.onRequest?.(request)).toBeUndefined();
      answers.push(await hook.onResponse?.(request, ok(''), { forwarded: true }));
    }

    // Assess
    const dropped = answers.filter((answer) => answer === DROP).length;
    expect(dropped).toBe(hook.injected.dropAfter);
    expect(dropped).toBeGreaterThan(70);
    expect(dropped).toBeLessThan(130);
  });

  it('leaves other services and actions it is not told about alone', async () => {
    // Prepare
    const hook = randomFaults({
      seed: 1,
      rates: { throttling: 1 },
      actions: (action) => action === 'CreateInstanceProfile',
    });
    const sqs = {
      ...iamRequest('ReceiveMessage'),
      call: { service: 'sqs', action: 'ReceiveMessage', params: [], accessKeyId: 'x' },
    };

    // Act
    const answers = [sqs, iamRequest('GetRole'), iamRequest('CreateInstanceProfile')].map((r) => hook.onRequest?.(r));

    // Assess
    expect(await Promise.all(answers).then((all) => all.map(codeOf))).toEqual(['forward', 'forward', 'Throttling']);
  });
});

function param(request: ProxyRequest): string {
  return request.call?.params.find(([name]) => name === 'RoleName')?.[1] ?? '';
}

describe('tagRules', () => {
  const create = (value: string, key = 'auto-instance-profile:source-role-arn') =>
    iamRequest('CreateInstanceProfile', {
      InstanceProfileName: 'p',
      'Tags.member.1.Key': 'auto-instance-profile:managed',
      'Tags.member.1.Value': 'true',
      'Tags.member.2.Key': key,
      'Tags.member.2.Value': value,
    });

  it.each([
    ['a role ARN', 'arn:aws:iam::123456789012:role/teams/web/app-role', 'forward'],
    ['letters of any script, spaces and _.:/=+-@', 'Équipe 東京 _.:/=+-@', 'forward'],
    ['an empty value', '', 'forward'],
    ['a comma (a role named web,app)', 'arn:aws:iam::123456789012:role/web,app', 'ValidationError'],
    ['a parenthesis (a path /team(a)/)', 'arn:aws:iam::123456789012:role/team(a)/app', 'ValidationError'],
    ['257 characters', 'a'.repeat(257), 'ValidationError'],
  ])('answers a tag value with %s as IAM does', async (_case, value, expected) => {
    // Act
    const answer = await tagRules().onRequest?.(create(value));

    // Assess
    expect(codeOf(answer)).toBe(expected);
    if (expected !== 'forward') expect((answer as ProxyResponse).status).toBe(400);
  });

  it('checks keys too, on TagInstanceProfile as on any call that carries tags', async () => {
    // Act
    const answer = await tagRules().onRequest?.(
      iamRequest('TagInstanceProfile', {
        InstanceProfileName: 'p',
        'Tags.member.1.Key': 'a,b',
        'Tags.member.1.Value': 'x',
      }),
    );

    // Assess
    expect(codeOf(answer)).toBe('ValidationError');
    expect(String((answer as ProxyResponse).body)).toContain("'tags.1.member.key'");
  });
});

describe('eventualConsistency', () => {
  const getRole = iamRequest('GetRole', { RoleName: 'app-role' });
  const roleAnswer = ok(
    '<GetRoleResponse><GetRoleResult><Role><RoleName>app-role</RoleName><CreateDate>2026-11-28T12:00:00.000000Z</CreateDate></Role></GetRoleResult></GetRoleResponse>',
  );
  const created = Date.parse('2026-11-28T12:00:00Z');

  it('hides a role younger than the window from GetRole, then from the calls that name it, and shows it after', async () => {
    // Prepare
    let now = created + 1_999;
    const hook = eventualConsistency({ windowMs: 2_000, now: () => now });

    // Act
    const hidden = await hook.onResponse?.(getRole, roleAnswer, { forwarded: true });
    const listed = await hook.onRequest?.(iamRequest('ListInstanceProfilesForRole', { RoleName: 'APP-ROLE' }));
    now = created + 2_000;
    const shown = await hook.onResponse?.(getRole, roleAnswer, { forwarded: true });
    const added = await hook.onRequest?.(iamRequest('AddRoleToInstanceProfile', { RoleName: 'app-role' }));

    // Assess
    expect([codeOf(hidden), codeOf(listed), codeOf(shown), codeOf(added)]).toEqual([
      'NoSuchEntity',
      'NoSuchEntity',
      'forward',
      'forward',
    ]);
    expect((hidden as ProxyResponse).status).toBe(404);
    expect(hook.hidden).toBe(2);
  });

  it('lets an error answer through untouched', async () => {
    // Prepare
    const hook = eventualConsistency({ windowMs: 2_000 });

    // Act
    const answer = await hook.onResponse?.(getRole, iamErrorResponse(THROTTLING), { forwarded: false });

    // Assess
    expect(answer).toBeUndefined();
  });
});

describe('iamErrorResponse', () => {
  it('renders IAM’s XML error, Receiver for a 5xx, with the message escaped', () => {
    // Act
    const answer = iamErrorResponse({ ...SERVICE_FAILURE, message: 'a <b> & c' });

    // Assess
    expect(answer.status).toBe(500);
    expect(String(answer.body)).toContain(
      '<Type>Receiver</Type><Code>ServiceFailure</Code><Message>a &#60;b&#62; &#38; c</Message>',
    );
  });
});
