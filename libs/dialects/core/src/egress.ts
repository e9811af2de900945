import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { classifyNetworkError } from './error-facts';
import { TerminalDbError } from './errors';

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

export type LookupFn = (
  hostname: string,
  options: { all: true; verbatim: true },
) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/** A database no connection may name, whatever the lists say: dbferry's own control store. */
export interface ProtectedDatabase {
  host: string;
  port: number;
  database: string;
}

export interface EgressLists {
  /** Empty: everything not denied is allowed. */
  allow: string[];
  deny: string[];
  /** Refused at any address that reaches them (loopback aliases included). */
  protectedDatabases?: ProtectedDatabase[];
}

/**
 * The one text of every egress refusal: the host as the caller gave it, the setting an
 * administrator changes, and that a restart applies it. Never the rule that matched nor the
 * address a name resolved to (that would map the network for whoever asks).
 * `fixed`: refused whatever the settings say (link-local, metadata, the control store).
 */
export function egressRefusalMessage(host: string, fixed = false): string {
  const shown = JSON.stringify(host);
  return fixed
    ? `${shown} is never allowed, whatever DB_HOSTS_ALLOW says (link-local, metadata and unspecified addresses and dbferry's own control store database)`
    : `${shown} is not allowed; an administrator can allow it in DB_HOSTS_ALLOW (it must not match DB_HOSTS_DENY), and a restart of the API and worker applies the change`;
}

/** The host is one the workers must not reach; retrying cannot help. */
export class EgressDeniedError extends TerminalDbError {
  /**
   * @param host the host as given; the only detail in the message.
   * @param reason which rule refused it, kept off the message (for tests and debugging).
   */
  constructor(
    host: string,
    readonly reason: string,
    fixed = false,
  ) {
    super('egress-denied', egressRefusalMessage(host, fixed));
  }
}

type Rule =
  | { kind: 'any'; text: string }
  | { kind: 'name'; name: string; text: string }
  | { kind: 'suffix'; suffix: string; text: string }
  | { kind: 'cidr'; range: [Ip, number]; text: string };

/** Link-local (cloud metadata lives there) and unspecified addresses, refused whatever the lists say. */
const ALWAYS_REFUSED: ReadonlyArray<{ range: [Ip, number]; reason: string }> = [
  { range: ipaddr.parseCIDR('169.254.0.0/16'), reason: 'link-local' },
  { range: ipaddr.parseCIDR('0.0.0.0/8'), reason: 'unspecified' },
  { range: ipaddr.parseCIDR('fe80::/10'), reason: 'link-local' },
  { range: ipaddr.parseCIDR('::/128'), reason: 'unspecified' },
  { range: ipaddr.parseCIDR('fd00:ec2::254/128'), reason: 'a cloud metadata address' },
];

const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`, 'i');

export function isValidHostname(name: string): boolean {
  return name.length > 0 && name.length <= 254 && HOSTNAME.test(name);
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** IPv4-mapped CIDRs (::ffff:a.b.c.d/104) are kept as their IPv4 range so they match both forms. */
function parseCidrRule(rule: string): [Ip, number] | undefined {
  const [addr, bits, extra] = rule.split('/');
  if (extra !== undefined || !addr || isIP(addr) === 0) return undefined;
  const ip = ipaddr.parse(addr);
  const max = ip.kind() === 'ipv4' ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress() && prefix >= 96) {
    return [ip.toIPv4Address(), prefix - 96];
  }
  return [ip, prefix];
}

function parseRule(raw: string): Rule | undefined {
  const text = raw.trim();
  if (text === '*') return { kind: 'any', text };
  const cidr = parseCidrRule(text.replace(/^\[(.*)\]$/, '$1'));
  if (cidr) return { kind: 'cidr', range: cidr, text };
  if (text.startsWith('*.')) {
    const rest = text.slice(2);
    return isValidHostname(rest) && !rest.includes('*')
      ? { kind: 'suffix', suffix: normalizeName(rest), text }
      : undefined;
  }
  // A dotted-quad-looking name that is not an IP (999.1.1.1) is garbage, not a host name.
  if (/^[\d.]+$/.test(text)) return undefined;
  return isValidHostname(text) ? { kind: 'name', name: normalizeName(text), text } : undefined;
}

/** An allow/deny entry: IP, CIDR, host name, `*.domain` or `*`. */
export function isValidHostRule(rule: string): boolean {
  return typeof rule === 'string' && parseRule(rule) !== undefined;
}

/** `"a, b c"` → `['a', 'b', 'c']`; undefined or blank → `[]`. */
export function parseHostList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** The address and, when it embeds an IPv4 (mapped or NAT64), that IPv4 too. */
function addressForms(address: string): Ip[] {
  const ip = ipaddr.parse(address);
  const forms: Ip[] = [ip];
  if (ip instanceof ipaddr.IPv6) {
    if (ip.isIPv4MappedAddress()) forms.push(ip.toIPv4Address());
    else if (ip.match(NAT64)) forms.push(ipaddr.fromByteArray(ip.toByteArray().slice(12)));
  }
  return forms;
}

const isLoopback = (ip: Ip) => ip.range() === 'loopback';
const sameIp = (a: Ip, b: Ip) => a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();

function inRange(forms: Ip[], range: [Ip, number]): boolean {
  return forms.some((ip) => ip.kind() === range[0].kind() && ip.match(range));
}

export class EgressPolicy {
  private readonly allow: Rule[];
  private readonly deny: Rule[];
  private readonly protectedDatabases: ProtectedDatabase[];
  /** Addresses of each protected database's host, resolved once, on first use. */
  private protectedAddresses?: Promise<Ip[][]>;

  constructor(
    lists: EgressLists,
    private readonly lookup: LookupFn = (hostname, options) => dns.lookup(hostname, options),
  ) {
    this.allow = lists.allow.map((r) => EgressPolicy.rule(r, 'allow'));
    this.deny = lists.deny.map((r) => EgressPolicy.rule(r, 'deny'));
    this.protectedDatabases = lists.protectedDatabases ?? [];
  }

  private static rule(raw: string, list: string): Rule {
    const rule = parseRule(raw);
    if (!rule) throw new TypeError(`invalid egress ${list} rule "${raw}"`);
    return rule;
  }

  /**
   * Resolves `host` once and checks every address it resolves to. The caller must connect to
   * the returned `address`, never resolve `host` again (that would reopen DNS rebinding).
   */
  async resolve(host: string): Promise<{ host: string; address: string }> {
    const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
    const literal = isIP(bare) !== 0;
    const name = literal ? undefined : normalizeName(bare);
    if (name !== undefined) {
      const denied = this.deny.find((r) => this.matchesName(r, name));
      if (denied) throw new EgressDeniedError(bare, `matches deny rule ${denied.text}`);
    }
    const addresses = literal ? [bare] : await this.lookupOnce(bare);
    for (const address of addresses) this.check(address, name, bare);
    return { host: bare, address: addresses[0] as string };
  }

  private async lookupOnce(name: string): Promise<string[]> {
    let found: ReadonlyArray<{ address: string }>;
    try {
      found = await this.lookup(name, { all: true, verbatim: true });
    } catch (error) {
      throw classifyNetworkError(error) ?? new TerminalDbError('host-not-found', name, { cause: error });
    }
    if (found.length === 0) throw new TerminalDbError('host-not-found', name);
    return found.map((f) => f.address);
  }

  private matchesName(rule: Rule, name: string): boolean {
    if (rule.kind === 'any') return true;
    if (rule.kind === 'name') return rule.name === name;
    if (rule.kind === 'suffix') return name.endsWith(`.${rule.suffix}`);
    return false;
  }

  private matches(rule: Rule, forms: Ip[], name: string | undefined): boolean {
    if (rule.kind === 'cidr') return inRange(forms, rule.range);
    if (rule.kind === 'any') return true;
    return name !== undefined && this.matchesName(rule, name);
  }

  private check(address: string, name: string | undefined, shown: string): void {
    const who = name === undefined ? address : `${shown} (${address})`;
    let forms: Ip[];
    try {
      forms = addressForms(address);
    } catch {
      throw new EgressDeniedError(shown, `${who} is not an IP address`, true);
    }
    const always = ALWAYS_REFUSED.find((a) => inRange(forms, a.range));
    if (always) throw new EgressDeniedError(shown, `${who} is ${always.reason}`, true);
    const denied = this.deny.find((r) => this.matches(r, forms, name));
    if (denied) throw new EgressDeniedError(shown, `${who} matches deny rule ${denied.text}`);
    if (this.allow.length > 0 && !this.allow.some((r) => this.matches(r, forms, name))) {
      throw new EgressDeniedError(shown, `${who} matches no allow rule`);
    }
  }

  /**
   * Refuses a connection that reaches a protected database (the control store): the same
   * port and database at the same host name, at an address that host resolves to, or on
   * loopback when the protected host is loopback (localhost, 127.0.0.1, ::1 and a Unix socket
   * are one server). `address` is what `resolve` returned for `host`.
   */
  async refuseProtected(target: { host: string; address: string; port?: number; database: string }): Promise<void> {
    if (!this.protectedDatabases.length) return;
    const addresses = await (this.protectedAddresses ??= Promise.all(this.protectedDatabases.map((p) => this.addressesOf(p.host))));
    const forms = addressForms(target.address);
    // This machine's own interface addresses reach a store listening on loopback too.
    const local = Object.values(networkInterfaces()).flatMap((list) => list ?? []).map((i) => i.address.replace(/%.*$/, ''));
    const loopback = forms.some(isLoopback) || local.some((a) => forms.some((f) => isIP(a) !== 0 && sameIp(f, ipaddr.parse(a))));
    const name = normalizeName(target.host.trim().replace(/^\[(.*)\]$/, '$1'));
    this.protectedDatabases.forEach((p, i) => {
      if (p.port !== target.port || p.database !== target.database) return;
      const own = addresses[i];
      const sameHost =
        normalizeName(p.host) === name ||
        own.some((ip) => forms.some((f) => sameIp(f, ip))) ||
        (loopback && own.some(isLoopback));
      if (sameHost) throw new EgressDeniedError(target.host, 'the control store database', true);
    });
  }

  /** A protected host's addresses: loopback for a Unix socket, none for a name that does not resolve (it then matches by name). */
  private async addressesOf(host: string): Promise<Ip[]> {
    const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
    if (!bare || bare.startsWith('/')) return [ipaddr.parse('127.0.0.1')];
    if (isIP(bare)) return addressForms(bare);
    try {
      const found = await this.lookup(bare, { all: true, verbatim: true });
      return found.flatMap((f) => addressForms(f.address));
    } catch {
      return [];
    }
  }
}
