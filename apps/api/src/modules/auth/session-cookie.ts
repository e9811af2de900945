import type { CookieOptions, Response } from 'express';

/** Bull Board is a browser page: it authenticates with this HttpOnly cookie, scoped to the board. */
export const SESSION_COOKIE = 'dbferry_session';

/** Where Bull Board is mounted: the only path the session cookie is sent to. */
export const QUEUE_BOARD_PATH = '/queues';

/**
 * The session cookie's one set of attributes: HttpOnly, SameSite=Strict, Secure in production and
 * scoped to the board, so scripts and other sites never see it. `maxAgeSeconds` is the token's
 * lifetime; clearing passes none (the attributes must match the ones it was set with).
 */
function sessionCookieOptions(maxAgeSeconds?: number): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: process.env.NODE_ENV === 'production',
    path: QUEUE_BOARD_PATH,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds * 1000 }),
  };
}

/** Sets the session cookie to a freshly issued token (API login, password change, board sign-in). */
export function setSessionCookie(res: Response, token: { accessToken: string; expiresIn: number }): void {
  res.cookie(SESSION_COOKIE, token.accessToken, sessionCookieOptions(token.expiresIn));
}

/** Removes the session cookie (board sign-out). */
export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, sessionCookieOptions());
}
