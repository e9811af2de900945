import { ForbiddenException, Inject, Injectable, Logger, OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { isUUID } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { apiConfig } from '@dbferry/config';
import { AdminBootstrap, InjectRepo, Repository, UserEntity } from '@dbferry/control-plane';
import type { AuthUser } from '../../common/auth.decorators';
import { fieldError } from '../../common/validation';
import { AuditService } from '../audit/audit.service';
import { durationSeconds } from './duration';
import { LoginLimiter, LoginThrottledException } from './login-limiter';
import { PasswordService } from './password.service';

export interface TokenPayload {
  sub: string;
  role: string;
  /** The user's token version at issue; a token whose version is no longer the user's is refused. */
  ver: number;
}

export const toAuthUser = (user: UserEntity): AuthUser => ({
  id: user.id,
  username: user.username,
  role: user.role,
  mustChangePassword: user.mustChangePassword,
});

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    @Inject(apiConfig.KEY) private readonly config: ConfigType<typeof apiConfig>,
    @InjectRepo(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly bootstrap: AdminBootstrap,
    private readonly passwords: PasswordService,
    private readonly jwt: JwtService,
    private readonly audit: AuditService,
    private readonly limiter: LoginLimiter,
  ) {}

  /** First start: creates the admin, with ADMIN_PASSWORD or a random one printed once. */
  async onApplicationBootstrap(): Promise<void> {
    const generated = !this.config.adminPassword;
    const password = this.config.adminPassword ?? randomBytes(18).toString('base64url');
    const created = await this.bootstrap.createIfNoUsers({ username: this.config.adminUsername, passwordHash: () => this.passwords.hash(password) });
    if (!created) return;
    this.logger.warn(
      generated
        ? `created admin user "${this.config.adminUsername}" with the one-time password: ${password} (it must be changed at first login; it is not shown again)`
        : `created admin user "${this.config.adminUsername}" with ADMIN_PASSWORD (it must be changed at first login)`,
    );
  }

  /**
   * Each attempt is counted against the username (known or not) before the password is
   * checked; a username held back answers 429 (LoginThrottledException) without a check.
   */
  async login(username: string, password: string, ip: string) {
    try {
      await this.limiter.attempt(username);
    } catch (error) {
      if (error instanceof LoginThrottledException) {
        await this.audit.record({ actorName: username, action: 'auth.login', outcome: 'denied', ip, details: { reason: 'throttled' } });
      }
      throw error;
    }
    const user = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
    if (!(await this.passwords.verify(user?.passwordHash, password)) || !user) {
      await this.audit.record({ actorName: username, action: 'auth.login', outcome: 'denied', ip, details: { reason: 'bad credentials' } });
      throw new UnauthorizedException('invalid username or password');
    }
    await this.limiter.succeeded(username);
    await this.users.update(user.id, { lastLoginAt: new Date() });
    await this.audit.record({ actor: user, action: 'auth.login', ip });
    return { ...(await this.issueToken(user)), user: toAuthUser(user) };
  }

  private async issueToken(user: Pick<UserEntity, 'id' | 'role' | 'tokenVersion'>): Promise<{ accessToken: string; expiresIn: number }> {
    const expiresIn = durationSeconds(this.config.jwtExpiresIn);
    const accessToken = await this.jwt.signAsync({ sub: user.id, role: user.role, ver: user.tokenVersion } satisfies TokenPayload, { expiresIn });
    return { accessToken, expiresIn };
  }

  /**
   * Replaces the password and revokes every token issued before (the caller's too): the
   * answer carries a fresh token for the session that made the change.
   */
  async changePassword(
    actor: AuthUser,
    currentPassword: string,
    newPassword: string,
    ip: string,
  ): Promise<AuthUser & { accessToken: string; expiresIn: number }> {
    const user = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.id = :id', { id: actor.id })
      .getOneOrFail();
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) {
      await this.audit.record({ actor, action: 'auth.password', outcome: 'denied', ip });
      throw new ForbiddenException('currentPassword is wrong');
    }
    if (newPassword === currentPassword) {
      throw fieldError([{ field: 'newPassword', message: 'newPassword must differ from currentPassword' }]);
    }
    if (newPassword.toLowerCase().includes(user.username.toLowerCase())) {
      throw fieldError([{ field: 'newPassword', message: 'newPassword must not contain the username' }]);
    }
    await this.users.update(user.id, {
      passwordHash: await this.passwords.hash(newPassword),
      mustChangePassword: false,
      tokenVersion: () => 'token_version + 1',
    });
    await this.audit.record({ actor, action: 'auth.password', ip });
    const changed = await this.users.findOneByOrFail({ id: user.id });
    return { ...toAuthUser(changed), ...(await this.issueToken(changed)) };
  }

  /**
   * The one check of a signature-verified token's claims, for passport (JwtStrategy) and for
   * tokens presented outside it (Bull Board's cookie): `sub` names an existing user (a sub that
   * is no UUID names none, and must not reach a uuid column) and `ver` is that user's current
   * token version. Role and password state are read fresh, so a demotion acts at once.
   */
  async userForClaims(claims: Partial<TokenPayload>): Promise<AuthUser | null> {
    if (typeof claims.sub !== 'string' || !isUUID(claims.sub) || !Number.isInteger(claims.ver)) return null;
    const user = await this.users.findOneBy({ id: claims.sub });
    return user && user.tokenVersion === claims.ver ? toAuthUser(user) : null;
  }

  /** For tokens presented outside passport (Bull Board's cookie): signature, expiry, then userForClaims. */
  async verifyToken(token: string): Promise<AuthUser | null> {
    let claims: Partial<TokenPayload>;
    try {
      claims = await this.jwt.verifyAsync<TokenPayload>(token);
    } catch {
      return null;
    }
    return this.userForClaims(claims);
  }
}
