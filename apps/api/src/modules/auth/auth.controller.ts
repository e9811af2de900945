import { Body, Controller, Get, HttpCode, Ip, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { AllowPendingPassword, type AuthUser, CurrentUser, Public, RequireRole } from '../../common/auth.decorators';
import { ChangePasswordDto, LoginDto, LoginResult, UserView } from './auth.dto';
import { AuthService } from './auth.service';

/** Bull Board is a browser page: it authenticates with this HttpOnly cookie, scoped to /queues. */
export const SESSION_COOKIE = 'dbferry_session';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResult })
  @ApiUnauthorizedResponse({ description: 'wrong username or password' })
  @ApiTooManyRequestsResponse({ description: 'too many attempts from this client' })
  async login(@Body() body: LoginDto, @Ip() ip: string, @Res({ passthrough: true }) res: Response): Promise<LoginResult> {
    const result = await this.auth.login(body.username, body.password, ip);
    res.cookie(SESSION_COOKIE, result.accessToken, {
      httpOnly: true,
      sameSite: 'strict',
      secure: process.env.NODE_ENV === 'production',
      path: '/queues',
      maxAge: result.expiresIn * 1000,
    });
    return result;
  }

  @ApiBearerAuth()
  @AllowPendingPassword()
  @Get('me')
  @ApiOkResponse({ type: UserView })
  me(@CurrentUser() user: AuthUser): UserView {
    return user;
  }

  @ApiBearerAuth()
  @AllowPendingPassword()
  @RequireRole('viewer')
  @Post('password')
  @HttpCode(200)
  @ApiOkResponse({ type: UserView })
  changePassword(@CurrentUser() user: AuthUser, @Body() body: ChangePasswordDto, @Ip() ip: string): Promise<UserView> {
    return this.auth.changePassword(user, body.currentPassword, body.newPassword, ip);
  }
}
