import { EgressDeniedError, egressRefusalMessage, EgressPolicy, isValidHostRule, type LookupFn, parseHostList } from './egress';
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
    expect(error.reason).toBe('169.254.169.254 is link-local');
    expect(error.message).toBe(`host refused by the egress policy: ${egressRefusalMessage('169.254.169.254', true)}`);
  });

  it.each(['::ffff:169.254.169.254', '[::ffff:a9fe:a9fe]', '64:ff9b::169.254.169.254'])(
    'refuses the IPv4 metadata address embedded in IPv6 (%s)',
    async (host) => {
      const policy = new EgressPolicy({ allow: ['*', '::/0', '0.0.0.0/0'], deny: [] }, noLookup);
      const error = await refusal(policy.resolve(host));
      expect(error.reason).toMatch(/is link-local$/);
    },
  );

  it.each([
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
  ])('always refuses %s', async (host, reason) => {
    const policy = new EgressPolicy({ allow: ['*'], deny: [] }, noLookup);
    expect((await refusal(policy.resolve(host))).reason).toContain(`is ${reason}`);
  });

  it('refuses an address in a denied CIDR and allows one outside it', async () => {
    const policy = new EgressPolicy({ allow: [], deny: ['10.0.0.0/8'] }, noLookup);
    expect((await refusal(policy.resolve('10.1.2.3'))).reason).toContain('10.1.2.3 matches deny rule 10.0.0.0/8');
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
    expect(error.reason).toContain('db.example.com (10.9.9.9) matches deny rule 10.0.0.0/8');
  });

  it('refuses a host name when any one of its addresses is refused', async () => {
    const lookup = fakeLookup({ 'rebind.example.com': ['93.184.216.34', '169.254.169.254'] });
    const policy = new EgressPolicy({ allow: [], deny: [] }, lookup);
    expect((await refusal(policy.resolve('rebind.example.com'))).reason).toContain('is link-local');
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
    expect((await refusal(policy.resolve('other.example.org'))).reason).toContain('matches no allow rule');
    expect((await refusal(policy.resolve('10.0.0.1'))).reason).toContain('10.0.0.1 matches no allow rule');
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
    expect((await refusal(policy.resolve('secret.example.com'))).reason).toContain('matches deny rule');
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

  it('says which setting to change and that a restart applies it, never the rule or the address', async () => {
    const lookup = fakeLookup({ 'db.internal.test': ['10.9.9.9'] });
    const policy = new EgressPolicy({ allow: ['192.168.0.0/16'], deny: ['10.0.0.0/8'] }, lookup);
    for (const host of ['db.internal.test', '10.1.2.3', '203.0.113.7']) {
      const { message } = await refusal(policy.resolve(host));
      expect(message).toBe(`host refused by the egress policy: "${host}" is not allowed; an administrator can allow it in DB_HOSTS_ALLOW (it must not match DB_HOSTS_DENY), and a restart of the API and worker applies the change`);
      expect(message).not.toMatch(/10\.0\.0\.0|10\.9\.9\.9|192\.168|rule/);
    }
    // Refused whatever the lists say: the message does not send the administrator to a setting that cannot help.
    const { message } = await refusal(policy.resolve('169.254.169.254'));
    expect(message).toContain('never allowed, whatever DB_HOSTS_ALLOW says');
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

describe('EgressPolicy.refuseProtected (the control store)', () => {
  const store = { host: 'localhost', port: 5432, database: 'dbferry' };
  const lookup = fakeLookup({ localhost: ['127.0.0.1', '::1'], 'store.example.com': ['203.0.113.50'], 'alias.example.com': ['203.0.113.50'] });

  it.each([
    ['localhost', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['127.0.0.2', '127.0.0.2'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
  ])('refuses the store database reached as %s', async (host, address) => {
    const policy = new EgressPolicy({ allow: ['*'], deny: [], protectedDatabases: [store] }, lookup);
    const error = await refusal(policy.refuseProtected({ host, address, port: 5432, database: 'dbferry' }));
    expect(error.reason).toBe('the control store database');
    expect(error.message).toContain('never allowed');
  });

  it('allows another database or another port on the same server', async () => {
    const policy = new EgressPolicy({ allow: ['*'], deny: [], protectedDatabases: [store] }, lookup);
    await expect(policy.refuseProtected({ host: '127.0.0.1', address: '127.0.0.1', port: 5432, database: 'sales' })).resolves.toBeUndefined();
    await expect(policy.refuseProtected({ host: '127.0.0.1', address: '127.0.0.1', port: 5433, database: 'dbferry' })).resolves.toBeUndefined();
    await expect(policy.refuseProtected({ host: '127.0.0.1', address: '127.0.0.1', port: 5432, database: 'DBFERRY' })).resolves.toBeUndefined();
  });

  it('refuses a remote store by its name and by another name resolving to its address', async () => {
    const remote = { host: 'store.example.com', port: 5432, database: 'dbferry' };
    const policy = new EgressPolicy({ allow: ['*'], deny: [], protectedDatabases: [remote] }, lookup);
    await refusal(policy.refuseProtected({ host: 'STORE.example.com.', address: '203.0.113.50', port: 5432, database: 'dbferry' }));
    await refusal(policy.refuseProtected({ host: 'alias.example.com', address: '203.0.113.50', port: 5432, database: 'dbferry' }));
    await expect(policy.refuseProtected({ host: '127.0.0.1', address: '127.0.0.1', port: 5432, database: 'dbferry' })).resolves.toBeUndefined();
  });

  it('treats a store on a Unix socket as loopback', async () => {
    const policy = new EgressPolicy({ allow: ['*'], deny: [], protectedDatabases: [{ host: '/var/run/postgresql', port: 5432, database: 'dbferry' }] }, lookup);
    await refusal(policy.refuseProtected({ host: 'localhost', address: '::1', port: 5432, database: 'dbferry' }));
  });
});
