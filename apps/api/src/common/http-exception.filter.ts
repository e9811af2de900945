import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { DbError } from '@dbferry/dialects-core';

/**
 * Every error leaves as `{statusCode, error, message, details?}`. Unexpected errors become
 * a bare 500: their text may carry driver detail, so it goes to the log, not the client.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const payload = typeof body === 'string' ? { message: body } : (body as Record<string, unknown>);
      const message = Array.isArray(payload.message) ? payload.message.join('; ') : payload.message;
      response.status(status).json({
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Error',
        message: message ?? STATUS_CODES[status],
        ...(payload.details ? { details: payload.details } : {}),
      });
      return;
    }
    // The database behind a connection failed (refused, auth, timeout): the gateway's fault, said plainly.
    if (exception instanceof DbError) {
      response.status(HttpStatus.BAD_GATEWAY).json({ statusCode: 502, error: 'Bad Gateway', message: exception.message, code: exception.code });
      return;
    }
    // A malformed JSON body reaches here from the body parser as a SyntaxError with status 400.
    const status = (exception as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      response.status(status).json({ statusCode: status, error: STATUS_CODES[status], message: 'body: malformed JSON or too large' });
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'unexpected error; see the server log',
    });
  }
}
