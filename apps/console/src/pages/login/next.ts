import { HOME_PATH } from '../../routes';

/** The `next` parameter of the login and password pages: a path of this console, never another site. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return HOME_PATH;
  if (/^\/(login|password)(\/|\?|#|$)/.test(next)) return HOME_PATH;
  return next;
}
