import type { Schema } from '@dbferry/api-client';

export type User = Schema<'UserDetailView'>;
export type Role = User['role'];
export const ROLES: Role[] = ['viewer', 'operator', 'admin'];

export const ROLE_TEXT: Record<Role, string> = {
  viewer: 'reads everything, changes nothing',
  operator: 'runs and manages jobs, repairs, writes rows',
  admin: 'everything, users and alert settings included',
};

const USERNAME = /^[A-Za-z0-9_.@-]{1,64}$/;
export const MIN_PASSWORD = 12;

/** The API's own rule for a password an admin sets (the user changes it at first login). */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD) return `password must be at least ${MIN_PASSWORD} characters`;
  if (password.length > 200) return 'password must be at most 200 characters';
  return undefined;
}

/** Problems of a new user, keyed by the API's field names. */
export function newUserProblems(form: { username: string; password: string; role: string }): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!USERNAME.test(form.username)) errors.username = 'username must be 1-64 letters, digits or _.@-';
  const password = passwordProblem(form.password);
  if (password) errors.password = password;
  if (!ROLES.includes(form.role as Role)) errors.role = 'pick a role';
  return errors;
}
