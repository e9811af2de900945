import createClient from 'openapi-fetch';
import type { paths } from '@dbferry/api-client';
import { ApiError } from './errors';
import { expireSession, getSession, setSession } from './session';

const LOGIN_PATH = '/api/auth/login';

/**
 * The typed API client: every path, parameter and body is checked against the API's OpenAPI
 * document (libs/api-client). Adds the bearer token; a 401 on any call but the login itself
 * ends the session, and the app sends the user to the login page and back.
 */
export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? '' });

api.use({
  onRequest({ request }) {
    const session = getSession();
    if (session) request.headers.set('Authorization', `Bearer ${session.token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && new URL(request.url).pathname !== LOGIN_PATH) expireSession();
    return response;
  },
});

/**
 * The data of an openapi-fetch call, or an ApiError with the API's message and field details
 * (a network failure becomes status 0). `await unwrap(api.GET('/api/jobs', ...))`.
 */
export async function unwrap<D>(call: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<D> {
  let result: { data?: D; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error;
    throw new ApiError(0, `cannot reach the API: ${(error as Error)?.message ?? String(error)}`);
  }
  if (!result.response.ok) throw ApiError.from(result.response, result.error);
  return result.data as D;
}

/** Headers for a call made without the typed client (event streams). */
export function authHeaders(): Record<string, string> {
  const session = getSession();
  return session ? { Authorization: `Bearer ${session.token}` } : {};
}

/** Ends the session on this tab and Bull Board's cookie (POST /queues/logout clears it). */
export async function logout(): Promise<void> {
  setSession(null);
  await fetch('/queues/logout', { method: 'POST', redirect: 'manual', credentials: 'same-origin' }).catch(() => undefined);
}
