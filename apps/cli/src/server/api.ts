import createClient from 'openapi-fetch';
import type { paths } from '@dbferry/api-client';
import { CliError, EXIT } from '../cli-error';
import { loadCredentials } from './credentials';

export type ApiClient = ReturnType<typeof createClient<paths>>;

/** The API's typed client on the saved (or DBFERRY_SERVER/DBFERRY_TOKEN) login. */
export async function apiClient(): Promise<{ api: ApiClient; server: string; token: string }> {
  const { server, accessToken } = await loadCredentials();
  return { api: clientFor(server, accessToken), server, token: accessToken };
}

export function clientFor(server: string, token?: string): ApiClient {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new CliError(`server: not a URL: ${server}`, EXIT.usage);
  }
  return createClient<paths>({ baseUrl: base.origin + base.pathname.replace(/\/$/, ''), ...(token && { headers: { Authorization: `Bearer ${token}` } }) });
}

interface ApiErrorBody {
  message?: unknown;
  details?: unknown;
}

/**
 * The body of a 2xx answer, or a CliError: 400, 404, 409 and 422 are the caller's to fix (exit 2),
 * 401 asks for a login, anything else fails (exit 1). The message is the API's own.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>, what: string): Promise<T> {
  let answer: Awaited<typeof call>;
  try {
    answer = await call;
  } catch (error) {
    throw new CliError(`${what}: the server did not answer (${(error as Error).message})`);
  }
  const { data, error, response } = answer;
  if (response.ok) return data as T;
  const body = (error ?? {}) as ApiErrorBody;
  const message = Array.isArray(body.message) ? body.message.join('; ') : typeof body.message === 'string' ? body.message : response.statusText;
  if (response.status === 401) throw new CliError(`${what}: ${message} (log in again: dbferry login)`);
  const usage = [400, 404, 409, 422].includes(response.status);
  throw new CliError(`${what}: ${response.status} ${message}`, usage ? EXIT.usage : EXIT.failed);
}
