import { newUserProblems, passwordProblem } from './user-form';

describe('user forms', () => {
  it('accepts a valid new user', () => {
    expect(newUserProblems({ username: 'alice.ops@example', password: 'twelve-chars', role: 'viewer' })).toEqual({});
  });

  it('names the username, password and role the API would refuse', () => {
    expect(newUserProblems({ username: 'has space', password: 'short', role: 'root' })).toEqual({
      username: 'username must be 1-64 letters, digits or _.@-',
      password: 'password must be at least 12 characters',
      role: 'pick a role',
    });
    expect(newUserProblems({ username: 'x'.repeat(65), password: 'long-enough-pw', role: 'admin' })).toHaveProperty('username');
    expect(newUserProblems({ username: '', password: 'long-enough-pw', role: 'admin' })).toHaveProperty('username');
  });

  it('bounds a reset password like a new one', () => {
    expect(passwordProblem('a'.repeat(11))).toMatch(/at least 12/);
    expect(passwordProblem('a'.repeat(12))).toBeUndefined();
    expect(passwordProblem('a'.repeat(201))).toMatch(/at most 200/);
  });
});
