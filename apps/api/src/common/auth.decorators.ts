import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@dbferry/control-plane';

export const IS_PUBLIC = 'dbferry:public';
export const REQUIRED_ROLE = 'dbferry:role';
export const ALLOW_PENDING_PASSWORD = 'dbferry:allow-pending-password';

/** No token needed (login, health, signed webhooks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * The least role a route needs. Without it: reads (GET/HEAD) need viewer, anything else
 * operator; so a new write route is never open to viewers by omission.
 */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** Reachable while the user must still change the initial password. */
export const AllowPendingPassword = () => SetMetadata(ALLOW_PENDING_PASSWORD, true);

export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  mustChangePassword: boolean;
}

export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthUser => context.switchToHttp().getRequest().user,
);
