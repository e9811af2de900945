import { Body, Controller, Get, HttpCode, Ip, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { FaultRegistry } from '@dbferry/queue';
import { AllowPendingPassword, type AuthUser, CurrentUser, Public, RequireRole } from '../../common/auth.decorators';
import { ChangePasswordDto, LoginDto, LoginResult, PasswordChangedView, UserView } from './auth.dto';
import { AuthService } from './auth.service';
import { LoginThrottledException } from './login-limiter';
import { setSessionCookie } from './session-cookie';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly faults: FaultRegistry,
  ) {}

  /** The user as answered, with whether /api/faults exists (so a client need not ask it and meet a 404). */
  private view<T extends AuthUser>(user: T): T & Pick<UserView, 'faultsEnabled'> {
    return { ...user, faultsEnabled: this.faults.enabled };
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResult })
  @ApiUnauthorizedResponse({ description: 'wrong username or password' })
  @ApiTooManyRequestsResponse({ description: 'too many attempts from this client, or for this username (known or not); Retry-After says when to try again' })
  async login(@Body() body: LoginDto, @Ip() ip: string, @Res({ passthrough: true }) res: Response): Promise<LoginResult> {
    let result: LoginResult;
    try {
      result = await this.auth.login(body.username, body.password, ip);
    } catch (error) {
      if (error instanceof LoginThrottledException) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
    setSessionCookie(res, result);
    return { ...result, user: this.view(result.user) };
  }

  @ApiBearerAuth()
  @AllowPendingPassword()
  @Get('me')
  @ApiOkResponse({ type: UserView })
  me(@CurrentUser() user: AuthUser): UserView {
    return this.view(user);
  }

  @ApiBearerAuth()
  @AllowPendingPassword()
  @RequireRole('viewer')
  @Post('password')
  @HttpCode(200)
  @ApiOkResponse({ type: PasswordChangedView })
  async changePassword(
    @CurrentUser() user: AuthUser,
    @Body() body: ChangePasswordDto,
    @Ip() ip: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PasswordChangedView> {
    const result = await this.auth.changePassword(user, body.currentPassword, body.newPassword, ip);
    setSessionCookie(res, result);
    return this.view(result);
  }
}
