import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthUser } from '../../common/auth.decorators';
import { QUEUE_BOARD_PATH, SESSION_COOKIE } from '../auth/session-cookie';
import type { AuthService } from '../auth/auth.service';
import { forbiddenPage } from './queue-board.pages';

export { QUEUE_BOARD_PATH };
export const LOGIN_PATH = `${QUEUE_BOARD_PATH}/login`;
export const LOGOUT_PATH = `${QUEUE_BOARD_PATH}/logout`;

/** Why a signed-in user may not see the board, or null when they may. */
export function boardRefusal(user: AuthUser): string | null {
  if (user.role !== 'admin') return `You are signed in as "${user.username}" (${user.role}): the queue board needs the admin role.`;
  if (user.mustChangePassword) return `"${user.username}" must change the initial password first (POST /api/auth/password), then sign in again.`;
  return null;
}

/** The session token from the cookie (or a bearer header); a malformed value is no token, never an error. */
export function sessionToken(req: Request): string | undefined {
  const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== SESSION_COOKIE) continue;
    try {
      const value = decodeURIComponent(part.slice(at + 1).trim());
      return value.length > 0 && value.length <= 4096 ? value : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const wantsPage = (req: Request) => req.method === 'GET' && req.accepts(['json', 'html']) === 'html';

/**
 * Guards Bull Board: a browser without a valid admin session is sent to the sign-in page, a
 * signed-in non-admin gets a page saying why; the board's own API calls get 401/403 JSON. The
 * sign-in and sign-out paths pass through to QueueBoardController. Tokens are checked by
 * AuthService.verifyToken, as bearer tokens are (expiry, user, token version, role read fresh).
 */
export function queueBoardAccess(auth: AuthService, board: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/login' || req.path === '/logout') {
      next();
      return;
    }
    const token = sessionToken(req);
    (token ? auth.verifyToken(token) : Promise.resolve(null))
      .catch(() => null)
      .then((user) => {
        const refusal = user && boardRefusal(user);
        if (!user) {
          if (wantsPage(req)) {
            res.redirect(303, LOGIN_PATH);
          } else {
            res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: `sign in as an admin at ${LOGIN_PATH}` });
          }
        } else if (refusal) {
          if (wantsPage(req)) {
            res.status(403).type('html').send(forbiddenPage(refusal));
          } else {
            res.status(403).json({ statusCode: 403, error: 'Forbidden', message: refusal });
          }
        } else {
          board(req, res, next);
        }
      })
      .catch(next);
  };
}
