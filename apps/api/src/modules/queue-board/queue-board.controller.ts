import { ArgumentsHost, Body, Catch, Controller, ExceptionFilter, Get, Header, HttpException, HttpStatus, Ip, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { Public } from '../../common/auth.decorators';
import { tooManyRequests } from '../../common/http-exception.filter';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { LoginDto } from '../auth/auth.dto';
import { AuthService } from '../auth/auth.service';
import { forbiddenPage, loginPage } from './queue-board.pages';
import { boardRefusal, LOGIN_PATH, QUEUE_BOARD_PATH } from './queue-board.session';

/** Errors of the sign-in form come back as the form with the reason, not as JSON. */
@Catch(HttpException)
class LoginPageFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const status = exception.getStatus();
    const body = exception.getResponse();
    const raw = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    const message =
      status === HttpStatus.TOO_MANY_REQUESTS
        ? tooManyRequests(exception, res, raw)
        : status === HttpStatus.UNAUTHORIZED
          ? 'Wrong username or password.'
          : Array.isArray(raw)
            ? raw.join('; ')
            : String(raw ?? 'The sign-in failed.');
    res.status(status).type('html').send(loginPage(message));
  }
}

/**
 * The same per-client budget as POST /api/auth/login (the throttler's key for AuthController.login),
 * so the form is not a second set of guesses.
 */
const apiLoginKey = (_context: unknown, tracker: string, throttler: string) =>
  createHash('sha256').update(`AuthController-login-${throttler}-${tracker}`).digest('hex');

/** Bull Board's sign-in and sign-out: browser forms that set and clear the session cookie. */
@ApiExcludeController()
@Public()
@Controller('queues')
export class QueueBoardController {
  constructor(private readonly auth: AuthService) {}

  @Get('login')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  loginForm(): string {
    return loginPage();
  }

  @Post('login')
  @UseGuards(ThrottlerGuard)
  @Throttle({ login: { generateKey: apiLoginKey } })
  @UseFilters(LoginPageFilter)
  async login(@Body() body: LoginDto, @Ip() ip: string, @Res() res: Response): Promise<void> {
    const result = await this.auth.login(body.username, body.password, ip);
    const refusal = boardRefusal(result.user);
    res.setHeader('Cache-Control', 'no-store');
    if (refusal) {
      res.status(HttpStatus.FORBIDDEN).type('html').send(forbiddenPage(refusal));
      return;
    }
    setSessionCookie(res, result);
    res.redirect(303, QUEUE_BOARD_PATH);
  }

  @Get('logout')
  logoutLink(@Res() res: Response): void {
    this.logout(res);
  }

  @Post('logout')
  logout(@Res() res: Response): void {
    clearSessionCookie(res);
    res.redirect(303, LOGIN_PATH);
  }
}
