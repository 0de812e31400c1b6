/**
 * Hooks for the proxy in front of moto's IAM (proxy.ts). Point the bundle at the proxy with
 * AWS_ENDPOINT_URL_IAM. Two kinds:
 * - faults that AWS produces and moto cannot: per-action rules ({@link iamFaults}: an error, a racing
 *   delivery just before a call), and a seeded generator ({@link randomFaults}: throttling, 500 and 503,
 *   connections dropped before or after the call took effect, latency); an eventual-consistency window
 *   ({@link eventualConsistency}); a full account ({@link instanceProfileQuota});
 * - IAM's rules where moto is laxer ({@link iamRules}): tag values ({@link tagRules}) and names unique
 *   case-insensitively ({@link caseInsensitiveNames}).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetAccountSummaryCommand,
  IAMClient,
  paginateListInstanceProfiles,
  paginateListRoles,
} from '@aws-sdk/client-iam';
import {
  DROP,
  type ProxyHook,
  type ProxyRequest,
  type ProxyResponse,
  type ProxyServer,
  startProxy,
  withParams,
} from './proxy.js';
import { keyedRandom } from './random.js';

/** An IAM error answer: the HTTP status and the query protocol's error code. */
export interface Fault {
  readonly status: number;
  readonly code: string;
  /** @default 'injected by the test' */
  readonly message?: string;
}

/** What to do to each IAM action. */
export interface FaultRules {
  /** Answer the call with this error instead of forwarding it. */
  readonly fault?: (action: string) => Fault | undefined;
  /** Runs before the call is forwarded: lets a test act "at the same moment" as the bundle. */
  readonly before?: (action: string) => Promise<void>;
}

/** Throttling, as IAM answers it: HTTP 400 with code Throttling. */
export const THROTTLING: Fault = { status: 400, code: 'Throttling' };
/** An internal error, as IAM answers it: HTTP 500 with code ServiceFailure. */
export const SERVICE_FAILURE: Fault = { status: 500, code: 'ServiceFailure' };
/** Unavailable, as an overloaded endpoint answers: HTTP 503 with code ServiceUnavailable. */
export const SERVICE_UNAVAILABLE: Fault = { status: 503, code: 'ServiceUnavailable' };

/** The answer IAM gives for a fault, in the query protocol's XML shape. */
export function iamErrorResponse(fault: Fault): ProxyResponse {
  const type = fault.status >= 500 ? 'Receiver' : 'Sender';
  const message = (fault.message ?? 'injected by the test').replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status: fault.status,
    headers: { 'content-type': 'text/xml' },
    body: Buffer.from(
      `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type><Code>${fault.code}</Code><Message>${message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>`,
    ),
  };
}

/** A hook that applies the rules to every IAM call: a fault answers in moto's place, `before` runs first. */
export function iamFaults(rules: FaultRules): ProxyHook {
  return {
    async onRequest(request) {
      if (request.call?.service !== 'iam') return undefined;
      const fault = rules.fault?.(request.call.action);
      if (fault !== undefined) return iamErrorResponse(fault);
      await rules.before?.(request.call.action);
      return undefined;
    },
  };
}

/** A proxy in front of moto (`targetUrl`) that applies the rules to IAM calls; with no rules it only counts them. */
export function startIamProxy(targetUrl: string, rules: FaultRules = {}): Promise<ProxyServer> {
  return startProxy({ targetUrl, hooks: [iamFaults(rules)] });
}

/** An IAM error with IAM's status and code for the cases below. */
const NO_SUCH_ENTITY = (message: string): Fault => ({ status: 404, code: 'NoSuchEntity', message });
const ENTITY_ALREADY_EXISTS = (message: string): Fault => ({ status: 409, code: 'EntityAlreadyExists', message });
const LIMIT_EXCEEDED = (message: string): Fault => ({ status: 409, code: 'LimitExceeded', message });
const VALIDATION_ERROR = (message: string): Fault => ({ status: 400, code: 'ValidationError', message });

/** A query parameter of an IAM call. */
function param(request: ProxyRequest, name: string): string | undefined {
  return request.call?.params.find(([key]) => key === name)?.[1];
}

function isIam(request: ProxyRequest): boolean {
  return request.call?.service === 'iam';
}

/** The first `<tag>…</tag>` of an XML answer. */
function xmlValue(body: Buffer, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body.toString('utf8'))?.[1];
}

/** What {@link randomFaults} injects, as shares of the requests it sees (each from 0 to 1; together at most 1). */
export interface FaultRates {
  /** Throttling, HTTP 400. */
  readonly throttling?: number;
  /** ServiceFailure, HTTP 500. */
  readonly serverError?: number;
  /** ServiceUnavailable, HTTP 503. */
  readonly unavailable?: number;
  /** The connection drops before the request reaches IAM: nothing happened. */
  readonly dropBefore?: number;
  /** The connection drops after IAM did the call: it took effect, but the caller never hears of it. */
  readonly dropAfter?: number;
}

/** The kinds of fault {@link randomFaults} injects. */
export type RandomFaultKind = keyof FaultRates;

/** How {@link randomFaults} decides. */
export interface RandomFaultOptions {
  /** The same seed gives the same faults to the same requests. */
  readonly seed: number;
  readonly rates: FaultRates;
  /** Added to every request it sees, drawn evenly from `[min, max]` milliseconds. @default none */
  readonly latencyMs?: readonly [min: number, max: number];
  /** Which IAM actions it acts on. @default every IAM action */
  readonly actions?: (action: string) => boolean;
}

/** A {@link randomFaults} hook, with a count of what it injected, so that a test can show faults happened. */
export interface RandomFaultHook extends ProxyHook {
  readonly injected: Readonly<Record<RandomFaultKind, number>>;
}

/**
 * Faults drawn from a seeded generator. Each request's draw depends only on the seed, the action, the
 * role and profile it names, and how many times that same request came before: a retry draws anew, and
 * concurrent callers sending requests in another order still meet the same faults.
 */
export function randomFaults(options: RandomFaultOptions): RandomFaultHook {
  const { rates } = options;
  const injected: Record<RandomFaultKind, number> = {
    throttling: 0,
    serverError: 0,
    unavailable: 0,
    dropBefore: 0,
    dropAfter: 0,
  };
  const seen = new Map<string, number>();
  const dropAfter = new WeakSet<ProxyRequest>();
  const answers: readonly (readonly [RandomFaultKind, Fault | typeof DROP])[] = [
    ['throttling', THROTTLING],
    ['serverError', SERVICE_FAILURE],
    ['unavailable', SERVICE_UNAVAILABLE],
    ['dropBefore', DROP],
  ];
  return {
    injected,
    async onRequest(request) {
      if (!isIam(request) || !(options.actions?.(request.call?.action ?? '') ?? true)) return undefined;
      const key = [request.call?.action, param(request, 'RoleName'), param(request, 'InstanceProfileName')].join(' ');
      const occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
      const random = keyedRandom(options.seed, `${key} #${occurrence}`);
      const [fault, latency, after] = [random.next(), random.next(), random.next()];
      if (options.latencyMs !== undefined) {
        const [min, max] = options.latencyMs;
        await sleep(min + latency * (max - min));
      }
      let threshold = 0;
      for (const [kind, answer] of answers) {
        threshold += rates[kind] ?? 0;
        if (fault < threshold) {
          injected[kind]++;
          return answer === DROP ? DROP : iamErrorResponse(answer);
        }
      }
      if (after < (rates.dropAfter ?? 0)) dropAfter.add(request);
      return undefined;
    },
    onResponse(request, _response, { forwarded }) {
      if (!forwarded || !dropAfter.has(request)) return undefined;
      injected.dropAfter++;
      return DROP;
    },
  };
}

/** A {@link eventualConsistency} hook, with how many answers it hid a role from. */
export interface ConsistencyHook extends ProxyHook {
  readonly hidden: number;
}

/**
 * IAM's eventual consistency after CreateRole: for `windowMs` after a role's CreateDate (moto's, as
 * GetRole reports it), GetRole answers NoSuchEntity, and so do ListInstanceProfilesForRole and
 * AddRoleToInstanceProfile for a role GetRole was asked about. AWS publishes no figure for the window.
 */
export function eventualConsistency(options: {
  readonly windowMs: number;
  readonly now?: () => number;
}): ConsistencyHook {
  const now = options.now ?? Date.now;
  const created = new Map<string, number>();
  let hidden = 0;
  const young = (role: string | undefined) => {
    const at = role === undefined ? undefined : created.get(role.toLowerCase());
    return at !== undefined && now() - at < options.windowMs;
  };
  const notFound = (role: string) => {
    hidden++;
    return iamErrorResponse(NO_SUCH_ENTITY(`The role with name ${role} cannot be found.`));
  };
  return {
    get hidden() {
      return hidden;
    },
    onRequest(request) {
      const action = request.call?.action;
      if (!isIam(request) || (action !== 'ListInstanceProfilesForRole' && action !== 'AddRoleToInstanceProfile')) {
        return undefined;
      }
      const role = param(request, 'RoleName');
      return role !== undefined && young(role) ? notFound(role) : undefined;
    },
    onResponse(request, response) {
      if (!isIam(request) || request.call?.action !== 'GetRole' || response.status !== 200) return undefined;
      const role = xmlValue(response.body, 'RoleName');
      const createDate = Date.parse(xmlValue(response.body, 'CreateDate') ?? '');
      if (role === undefined || Number.isNaN(createDate)) return undefined;
      created.set(role.toLowerCase(), createDate);
      return young(role) ? notFound(param(request, 'RoleName') ?? role) : undefined;
    },
  };
}

/** IAM's tag key and value rules, which moto does not check. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_TAG_KEY_LENGTH = 128;
const MAX_TAG_VALUE_LENGTH = 256;

/**
 * IAM's rules for tags on any call that carries them (`Tags.member.N.Key`, `.Value`), CreateInstanceProfile
 * and TagInstanceProfile among them: a key of 1 to 128 and a value of at most 256 letters, spaces, digits
 * and `_.:/=+-@`. A tag that breaks them is answered with IAM's ValidationError (HTTP 400), as AWS does.
 */
export function tagRules(): ProxyHook {
  return {
    onRequest(request) {
      if (!isIam(request)) return undefined;
      for (const [name, value] of request.call?.params ?? []) {
        const field = /^Tags\.member\.(\d+)\.(Key|Value)$/.exec(name);
        if (field === null) continue;
        const [, index, part = 'Value'] = field;
        const max = part === 'Key' ? MAX_TAG_KEY_LENGTH : MAX_TAG_VALUE_LENGTH;
        const min = part === 'Key' ? 1 : 0;
        if (TAG_TEXT.test(value) && [...value].length <= max && [...value].length >= min) continue;
        return iamErrorResponse(
          VALIDATION_ERROR(
            `1 validation error detected: Value at 'tags.${index}.member.${part.toLowerCase()}' failed to satisfy constraint: ` +
              `Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*, and length ${min} to ${max}`,
          ),
        );
      }
      return undefined;
    },
  };
}

/** A client that reads moto directly, for the hooks that need to know what it holds. */
function motoIam(targetUrl: string): IAMClient {
  return new IAMClient({
    endpoint: targetUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
    maxAttempts: 1,
  });
}

/** Role and instance profile names as IAM holds them: one per name whatever its case. */
interface NameIndex {
  /** The name's lower case to its one spelling. */
  readonly roles: Map<string, string>;
  readonly profiles: Map<string, string>;
}

const NAME_KINDS = {
  RoleName: { index: 'roles', create: 'CreateRole', remove: 'DeleteRole', what: 'Role with name' },
  InstanceProfileName: {
    index: 'profiles',
    create: 'CreateInstanceProfile',
    remove: 'DeleteInstanceProfile',
    what: 'Instance Profile',
  },
} as const;

/** How many times {@link caseInsensitiveNames} reads moto's listing before it gives up. */
const LISTING_ATTEMPTS = 3;

/**
 * IAM's names are unique case-insensitively; moto's are not. With this hook, creating `MyRole` when
 * `myrole` exists answers EntityAlreadyExists (HTTP 409), and every other call naming `MyRole` acts on
 * `myrole`, as in IAM. It learns the names from one listing of moto, at the first IAM call, and from
 * the creates, deletes and reads it forwards after that: create a case twin directly in moto after the
 * proxy started, and it will not know.
 */
export function caseInsensitiveNames(targetUrl: string): ProxyHook & { close(): void } {
  const client = motoIam(targetUrl);
  let loaded: Promise<NameIndex> | undefined;
  const load = async (): Promise<NameIndex> => {
    const index: NameIndex = { roles: new Map(), profiles: new Map() };
    for await (const page of paginateListRoles({ client }, {})) {
      for (const role of page.Roles ?? [])
        if (role.RoleName) index.roles.set(role.RoleName.toLowerCase(), role.RoleName);
    }
    for await (const page of paginateListInstanceProfiles({ client }, {})) {
      for (const profile of page.InstanceProfiles ?? []) {
        if (profile.InstanceProfileName)
          index.profiles.set(profile.InstanceProfileName.toLowerCase(), profile.InstanceProfileName);
      }
    }
    return index;
  };
  // moto's server lists from dictionaries other test workers may change at the same moment, and then answers an HTML
  // 500 that the SDK cannot parse: the listing is read again, as a fresh read of IAM would be.
  const loadRetried = async (): Promise<NameIndex> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await load();
      } catch (error) {
        if (attempt >= LISTING_ATTEMPTS) throw error;
        await sleep(100 * attempt);
      }
    }
  };
  const indexOf = () => {
    loaded ??= loadRetried();
    return loaded;
  };
  return {
    close: () => client.destroy(),
    async rewrite(request) {
      if (!isIam(request) || request.call === undefined) return undefined;
      const index = await indexOf();
      const { action } = request.call;
      let changed = false;
      const params = request.call.params.map(([name, value]): readonly [string, string] => {
        const kind = NAME_KINDS[name as keyof typeof NAME_KINDS];
        if (kind === undefined || action === kind.create) return [name, value];
        const known = index[kind.index].get(value.toLowerCase());
        if (known === undefined || known === value) return [name, value];
        changed = true;
        return [name, known];
      });
      return changed ? withParams(request, params) : undefined;
    },
    async onRequest(request) {
      if (!isIam(request)) return undefined;
      const index = await indexOf();
      for (const [name, kind] of Object.entries(NAME_KINDS)) {
        const value = param(request, name);
        if (request.call?.action !== kind.create || value === undefined) continue;
        const known = index[kind.index].get(value.toLowerCase());
        if (known !== undefined && known !== value) {
          return iamErrorResponse(ENTITY_ALREADY_EXISTS(`${kind.what} ${value} already exists.`));
        }
      }
      return undefined;
    },
    async onResponse(request, response, { forwarded }) {
      if (!isIam(request) || !forwarded || response.status !== 200) return undefined;
      const index = await indexOf();
      const action = request.call?.action;
      for (const [name, kind] of Object.entries(NAME_KINDS)) {
        const value = param(request, name);
        if (value === undefined) continue;
        if (action === kind.create) index[kind.index].set(value.toLowerCase(), value);
        // A delete names the entity as IAM spelt it: the rewrite already put it that way.
        else if (action === kind.remove) index[kind.index].delete(value.toLowerCase());
      }
      // A read shows a name as moto spells it, for an entity made directly in moto after the listing.
      const read = { GetRole: ['RoleName', 'roles'], GetInstanceProfile: ['InstanceProfileName', 'profiles'] } as const;
      const [tag, kind] = read[action as keyof typeof read] ?? [];
      const spelt = tag === undefined ? undefined : xmlValue(response.body, tag);
      if (kind !== undefined && spelt !== undefined && !index[kind].has(spelt.toLowerCase())) {
        index[kind].set(spelt.toLowerCase(), spelt);
      }
      return undefined;
    },
  };
}

/** IAM's rules that moto does not apply: {@link tagRules} and {@link caseInsensitiveNames}. Close it after the proxy. */
export function iamRules(targetUrl: string): { readonly hooks: readonly ProxyHook[]; close(): void } {
  const names = caseInsensitiveNames(targetUrl);
  return { hooks: [tagRules(), names], close: () => names.close() };
}

/** A {@link instanceProfileQuota} hook. */
export interface QuotaHook extends ProxyHook {
  /** The account's instance profile quota the hook enforces and reports; change it at any time. */
  quota: number;
  close(): void;
}

/**
 * The account's instance profile quota (IAM's default is 1,000): CreateInstanceProfile answers
 * LimitExceeded (HTTP 409) once the account holds `quota` profiles, and GetAccountSummary reports
 * `InstanceProfilesQuota` as `quota`. moto enforces no quota and always reports 1,000.
 */
export function instanceProfileQuota(targetUrl: string, quota: number): QuotaHook {
  const client = motoIam(targetUrl);
  const hook: QuotaHook = {
    quota,
    close: () => client.destroy(),
    async onRequest(request) {
      if (!isIam(request) || request.call?.action !== 'CreateInstanceProfile') return undefined;
      const { SummaryMap } = await client.send(new GetAccountSummaryCommand({}));
      if ((SummaryMap?.InstanceProfiles ?? 0) < hook.quota) return undefined;
      return iamErrorResponse(LIMIT_EXCEEDED(`Cannot exceed quota for InstanceProfilesPerAccount: ${hook.quota}`));
    },
    onResponse(request, response) {
      if (!isIam(request) || request.call?.action !== 'GetAccountSummary' || response.status !== 200) return undefined;
      const body = response.body
        .toString('utf8')
        .replace(
          /(<key>InstanceProfilesQuota<\/key>\s*<value>)\d+(<\/value>)/,
          (_match, open: string, close: string) => `${open}${hook.quota}${close}`,
        );
      return { ...response, body: Buffer.from(body) };
    },
  };
  return hook;
}
