import { classifyNetworkError, errorChain, redactDbError, scrubSecrets } from './error-facts';
import { isRowRejection, TerminalDbError, TransientDbError } from './errors';

describe('classifyNetworkError', () => {
  it('finds ECONNREFUSED inside an AggregateError (node tries every address of localhost)', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED ::1:1'), { code: 'ECONNREFUSED' });
    const error = classifyNetworkError(new AggregateError([inner], 'connect failed'));
    expect(error).toBeInstanceOf(TransientDbError);
    expect(error?.code).toBe('connection-refused');
  });

  it.each([
    ['ENOTFOUND', 'host-not-found', false],
    ['EAI_AGAIN', 'host-not-found', true],
    ['ETIMEDOUT', 'timeout', true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', false],
  ])('sorts %s as %s', (code, expected, transient) => {
    const error = classifyNetworkError(Object.assign(new Error(code), { code }));
    expect(error?.code).toBe(expected);
    expect(error?.transient).toBe(transient);
  });

  it('finds the socket error behind a wrapper cause (tedious ESOCKET)', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const wrapped = Object.assign(new Error('Failed to connect', { cause: socket }), { code: 'ESOCKET' });
    expect(classifyNetworkError(wrapped)?.code).toBe('connection-refused');
  });

  it('ignores errors that are not network errors', () => {
    expect(classifyNetworkError(Object.assign(new Error('x'), { code: '28P01' }))).toBeUndefined();
  });
});

describe('errorChain', () => {
  it('stops on a cycle', () => {
    const a: { message: string; cause?: unknown } = { message: 'a' };
    a.cause = a;
    expect(errorChain(a)).toHaveLength(1);
  });
});

describe('scrubSecrets and redactDbError', () => {
  it('replaces every occurrence, with regex characters taken literally', () => {
    expect(scrubSecrets('p.w* and p.w* but not pxw*', ['p.w*'])).toBe('*** and *** but not pxw*');
  });

  it('rebuilds the error without the secret, and drops a cause that mentions it', () => {
    const cause = new Error('login with s3cr3t failed');
    const error = new TerminalDbError('authentication-failed', 'user x password s3cr3t', { cause });
    const clean = redactDbError(error, ['s3cr3t']);
    expect(clean.message).toBe('authentication failed: user x password ***');
    expect(clean.code).toBe('authentication-failed');
    expect(clean.transient).toBe(false);
    expect(clean.cause).toBeUndefined();
  });

  it('keeps the column a rejected value belongs to', () => {
    const error = new TerminalDbError('data', 'value s3cr3t too long', { column: 'note' });
    expect(redactDbError(error, ['s3cr3t'])).toMatchObject({ code: 'data', column: 'note', message: 'value rejected by the database: value *** too long' });
  });

  it('returns the same error when there is nothing to hide', () => {
    const error = new TerminalDbError('unknown', 'nothing secret');
    expect(redactDbError(error, ['s3cr3t', undefined])).toBe(error);
  });
});

describe('isRowRejection', () => {
  it('is true for a rejected value or a violated constraint, false for the table, the session or the network', () => {
    expect(isRowRejection(new TerminalDbError('data', 'too long'))).toBe(true);
    expect(isRowRejection(new TerminalDbError('constraint', 'check'))).toBe(true);
    expect(isRowRejection(new TerminalDbError('permission-denied'))).toBe(false);
    expect(isRowRejection(new TerminalDbError('unknown', 'relation "t" does not exist'))).toBe(false);
    expect(isRowRejection(new TransientDbError('timeout'))).toBe(false);
    expect(isRowRejection(new Error('data'))).toBe(false);
  });
});
