import { useSyncExternalStore } from 'react';
import type { Schema } from '@dbferry/api-client';

export type SessionUser = Schema<'UserView'>;
export type Role = SessionUser['role'];

export interface Session {
  token: string;
  user: SessionUser;
}

const KEY = 'dbferry.session';

/**
 * The token lives in sessionStorage: it survives a reload of the tab but not the tab itself, is
 * not shared with other tabs or left on disk after the browser closes, and (unlike a cookie) is
 * never sent by the browser on its own, so no cross-site request can use it. Scripts can read it,
 * which is why the CSP allows scripts from this origin only.
 */
function read(): Session | null {
  try {
    const text = globalThis.sessionStorage?.getItem(KEY);
    const value = text ? (JSON.parse(text) as Session) : null;
    return value && typeof value.token === 'string' && value.user ? value : null;
  } catch {
    return null;
  }
}

let current: Session | null = read();
/** Set when the API ended the session (401), cleared by the next sign-in: the login page says why it is shown. */
let expired = false;
const listeners = new Set<() => void>();
const expiryListeners = new Set<() => void>();

function emit(): void {
  for (const listener of listeners) listener();
}

export function getSession(): Session | null {
  return current;
}

/** Stores the session after a login or a password change (which issues a new token); null signs out. */
export function setSession(session: Session | null): void {
  current = session;
  expired = false;
  if (session) globalThis.sessionStorage?.setItem(KEY, JSON.stringify(session));
  else globalThis.sessionStorage?.removeItem(KEY);
  emit();
}

/** Updates the signed-in user (e.g. after GET /api/auth/me) keeping the token. */
export function updateUser(user: SessionUser): void {
  if (current) setSession({ ...current, user });
}

/** The API answered 401 to a signed-in call: the token expired or was revoked. */
export function expireSession(): void {
  if (!current) return;
  setSession(null);
  expired = true;
  for (const listener of expiryListeners) listener();
}

/** Whether the last session ended because the API refused its token (expired or revoked). */
export function sessionExpired(): boolean {
  return expired;
}

export function onSessionExpired(listener: () => void): () => void {
  expiryListeners.add(listener);
  return () => expiryListeners.delete(listener);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current session, re-rendering on sign-in, sign-out and expiry. */
export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession, getSession);
}
