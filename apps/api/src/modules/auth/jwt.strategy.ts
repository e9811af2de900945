import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { apiConfig } from '@dbferry/config';
import { InjectRepo, Repository, UserEntity } from '@dbferry/control-plane';
import type { AuthUser } from '../../common/auth.decorators';
import { JWT_ALGORITHM } from './jwt.constants';
import { toAuthUser, type TokenPayload } from './auth.service';

/** The token names a user; role and password state are read fresh, so a demotion acts at once. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    @Inject(apiConfig.KEY) config: ConfigType<typeof apiConfig>,
    @InjectRepo(UserEntity) private readonly users: Repository<UserEntity>,
  ) {
    // Pinned: a token is accepted only as the API signs it (HS256), never `none` or another HMAC.
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: config.jwtSecret, algorithms: [JWT_ALGORITHM], ignoreExpiration: false });
  }

  async validate(payload: TokenPayload): Promise<AuthUser | false> {
    const user = await this.users.findOneBy({ id: payload.sub });
    return user ? toAuthUser(user) : false;
  }
}
