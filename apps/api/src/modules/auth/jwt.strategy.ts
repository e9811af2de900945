import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { apiConfig } from '@dbferry/config';
import type { AuthUser } from '../../common/auth.decorators';
import { JWT_ALGORITHM } from './jwt.constants';
import { AuthService, type TokenPayload } from './auth.service';

/** Signature and expiry here; the claims (user, token version) in AuthService.userForClaims, shared with the queue board. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    @Inject(apiConfig.KEY) config: ConfigType<typeof apiConfig>,
    private readonly auth: AuthService,
  ) {
    // Pinned: a token is accepted only as the API signs it (HS256), never `none` or another HMAC.
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: config.jwtSecret, algorithms: [JWT_ALGORITHM], ignoreExpiration: false });
  }

  async validate(payload: Partial<TokenPayload>): Promise<AuthUser | false> {
    return (await this.auth.userForClaims(payload)) ?? false;
  }
}
