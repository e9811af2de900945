import { createSecretKey } from 'node:crypto';
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
    // The secret as a KeyObject: given text, jsonwebtoken first tries to parse it as a PEM public key on every request and
    // catches the throw, several ms of CPU per authenticated request (measured, issue 13 H4); the bytes are the same.
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')) as unknown as string,
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
    });
  }

  async validate(payload: Partial<TokenPayload>): Promise<AuthUser | false> {
    return (await this.auth.userForClaims(payload)) ?? false;
  }
}
