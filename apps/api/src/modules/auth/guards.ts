import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Role } from '@dbferry/control-plane';
import { ALLOW_PENDING_PASSWORD, AuthUser, IS_PUBLIC, REQUIRED_ROLE } from '../../common/auth.decorators';

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    return super.canActivate(context);
  }
}

/** Role check on every non-public route, and the lock-down until the first password change. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<{ user: AuthUser; method: string }>();
    const user = request.user;
    if (user.mustChangePassword && !this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_PASSWORD, targets)) {
      throw new ForbiddenException('password change required: POST /api/auth/password first');
    }
    const required =
      this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets) ??
      (['GET', 'HEAD'].includes(request.method) ? 'viewer' : 'operator');
    if (RANK[user.role] < RANK[required]) {
      throw new ForbiddenException(`this action needs the ${required} role`);
    }
    return true;
  }
}
