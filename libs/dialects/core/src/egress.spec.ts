import { EgressDeniedError, EgressPolicy, isValidHostRule, type LookupFn, parseHostList } from './egress';
import { TerminalDbError } from './errors';

/** A fake resolver that answers from a table and counts its calls. */
function fakeLookup(table: Record<string, string[]>): LookupFn & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (hostname: string) => {
    calls.push(hostname);
    // DNS itself ignores case and a final dot.
    const found = table[hostname.toLowerCase().replace(/\.$/, '')];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(fn, { calls });
}

async function refusal(promise: Promise<unknown>): Promise<EgressDeniedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EgressDeniedError);
  return error as EgressDeniedError;
}

describe('EgressPolicy', () => {
  const noLookup = fakeLookup({});

  it.each([
    ['allow *', ['*']],
    ['allow 0.0.0.0/0', ['0.0.0.0/0']],
    ['allow the address itself', ['169.254.169.254']],
  ])('refuses 169.254.169.254 even with %s', async (_label, allow) => {
    const policy = new EgressPolicy({ allow, deny: [] }, noLookup);
    const error = await refusal(policy.resolve('169.254.169.254'));
    expect(error.code).toBe('egress-denied');
    expect(error).toBeInstanceOf(TerminalDbError);
    expect(error.transient).toBe(false);
    expect(error.message).toBe('host refused by the egress policy: 169.254.169.254 is link-local');
  });

  it.each(['::ffff:169.254.169.254', '[::ffff:a9fe:a9fe]', '64:ff9b::169.254.169.254'])(
    'refuses the IPv4 metadata address embedded in IPv6 (%s)',
    async (host) => {
      const policy = new EgressPolicy({ allow: ['*', '::/0', '0.0.0.0/0'], deny: [] }, noLookup);
      const error = await refusal(policy.resolve(host));
      expect(error.message).toMatch(/is link-local$/);
    },
  );

  it.each([
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
  ])('always refuses %s', async (host, reason) => {
    const policy = new EgressPolicy({ allow: ['*'], deny: [] }, noLookup);
    expect((await refusal(policy.resolve(host))).message).toContain(`is ${reason}`);
  });

  it('refuses an address in a denied CIDR and allows one outside it', async () => {
    const policy = new EgressPolicy({ allow: [], deny: ['10.0.0.0/8'] }, noLookup);
    expect((await refusal(policy.resolve('10.1.2.3'))).message).toContain('10.1.2.3 matches deny rule 10.0.0.0/8');
    await expect(policy.resolve('11.1.2.3')).resolves.toEqual({ host: '11.1.2.3', address: '11.1.2.3' });
  });

  it('applies an IPv4 deny rule to the IPv4-mapped IPv6 form', async () => {
    const policy = new EgressPolicy({ allow: [], deny: ['10.0.0.0/8'] }, noLookup);
    await refusal(policy.resolve('::ffff:10.1.2.3'));
  });

  it('refuses a host name that resolves to a denied address', async () => {
    const lookup = fakeLookup({ 'db.example.com': ['10.9.9.9'] });
    const policy = new EgressPolicy({ allow: [], deny: ['10.0.0.0/8'] }, lookup);
    const error = await refusal(policy.resolve('db.example.com'));
    expect(error.message).toContain('db.example.com (10.9.9.9) matches deny rule 10.0.0.0/8');
  });

  it('refuses a host name when any one of its addresses is refused', async () => {
    const lookup = fakeLookup({ 'rebind.example.com': ['93.184.216.34', '169.254.169.254'] });
    const policy = new EgressPolicy({ allow: [], deny: [] }, lookup);
    expect((await refusal(policy.resolve('rebind.example.com'))).message).toContain('is link-local');
  });

  it('resolves a host name once and returns the first address', async () => {
    const lookup = fakeLookup({ 'db.example.com': ['203.0.113.7', '2001:db8::7'] });
    const policy = new EgressPolicy({ allow: [], deny: [] }, lookup);
    await expect(policy.resolve('db.example.com')).resolves.toEqual({
      host: 'db.example.com',
      address: '203.0.113.7',
    });
    expect(lookup.calls).toEqual(['db.example.com']);
  });

  it('does not resolve IP literals', async () => {
    const lookup = fakeLookup({});
    const policy = new EgressPolicy({ allow: [], deny: [] }, lookup);
    await expect(policy.resolve('[2001:db8::1]')).resolves.toEqual({ host: '2001:db8::1', address: '2001:db8::1' });
    expect(lookup.calls).toEqual([]);
  });

  it('refuses a host that matches no rule of a non-empty allow list', async () => {
    const lookup = fakeLookup({ 'other.example.org': ['203.0.113.9'] });
    const policy = new EgressPolicy({ allow: ['192.168.0.0/16', '*.example.com'], deny: [] }, lookup);
    expect((await refusal(policy.resolve('other.example.org'))).message).toContain('matches no allow rule');
    expect((await refusal(policy.resolve('10.0.0.1'))).message).toContain('10.0.0.1 matches no allow rule');
  });

  it('allows by CIDR, by exact name (any case) and by wildcard subdomain', async () => {
    const lookup = fakeLookup({ 'db.example.com': ['203.0.113.1'], 'a.b.corp.test': ['203.0.113.2'] });
    const policy = new EgressPolicy({ allow: ['192.168.0.0/16', 'DB.example.com', '*.corp.test'], deny: [] }, lookup);
    await expect(policy.resolve('192.168.4.5')).resolves.toMatchObject({ address: '192.168.4.5' });
    await expect(policy.resolve('db.EXAMPLE.com.')).resolves.toMatchObject({ address: '203.0.113.1' });
    await expect(policy.resolve('a.b.corp.test')).resolves.toMatchObject({ address: '203.0.113.2' });
  });

  it('does not let a wildcard match the bare domain or a look-alike', async () => {
    const lookup = fakeLookup({ 'corp.test': ['203.0.113.3'], 'evilcorp.test': ['203.0.113.4'] });
    const policy = new EgressPolicy({ allow: ['*.corp.test'], deny: [] }, lookup);
    await refusal(policy.resolve('corp.test'));
    await refusal(policy.resolve('evilcorp.test'));
  });

  it('lets the deny list win over the allow list, by name without resolving', async () => {
    const lookup = fakeLookup({ 'secret.example.com': ['203.0.113.5'] });
    const policy = new EgressPolicy({ allow: ['*.example.com'], deny: ['Secret.Example.com'] }, lookup);
    expect((await refusal(policy.resolve('secret.example.com'))).message).toContain('matches deny rule');
    expect(lookup.calls).toEqual([]);
  });

  it('lets a denied CIDR win over an allowed name', async () => {
    const lookup = fakeLookup({ 'db.example.com': ['10.0.0.5'] });
    const policy = new EgressPolicy({ allow: ['db.example.com'], deny: ['10.0.0.0/8'] }, lookup);
    await refusal(policy.resolve('db.example.com'));
  });

  it('reports an unresolvable name as host-not-found', async () => {
    const policy = new EgressPolicy({ allow: [], deny: [] }, fakeLookup({}));
    await expect(policy.resolve('nowhere.invalid')).rejects.toMatchObject({ code: 'host-not-found' });
  });

  it('rejects garbage rules at construction', () => {
    expect(() => new EgressPolicy({ allow: ['10.0.0.0/33'], deny: [] })).toThrow(/invalid egress allow rule/);
    expect(() => new EgressPolicy({ allow: [], deny: ['http://x'] })).toThrow(/invalid egress deny rule/);
  });
});

describe('isValidHostRule', () => {
  it.each(['*', '10.0.0.0/8', '10.1.2.3', '::1', 'fd00::/8', '[::1]', 'db.example.com', '*.example.com', 'localhost'])(
    'accepts %s',
    (rule) => expect(isValidHostRule(rule)).toBe(true),
  );
  it.each(['', '10.0.0.0/33', '999.1.1.1', '10.0.0.0/x', 'http://x', 'a b', '*.', '**.x', 'x.*.com', '-bad.com', '1.2.3.4/8/9'])(
    'rejects %j',
    (rule) => expect(isValidHostRule(rule)).toBe(false),
  );
});

describe('parseHostList', () => {
  it('splits on commas and spaces, trims and drops empties', () => {
    expect(parseHostList(' a.com, 10.0.0.0/8  b.com,,\n*.c.com ')).toEqual(['a.com', '10.0.0.0/8', 'b.com', '*.c.com']);
  });
  it('reads nothing from undefined or blank', () => {
    expect(parseHostList(undefined)).toEqual([]);
    expect(parseHostList('  , ')).toEqual([]);
  });
});
