import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException, throttlerMessage } from '@nestjs/throttler';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { DbError } from '@dbferry/dialects-core';
import { isRedisUnavailable } from '@dbferry/queue';

interface BodyParserError {
  type: string;
  status?: number;
  message?: string;
  limit?: number;
  body?: unknown;
}

const PARSER_ERROR = /^(entity|charset|encoding|request|stream|parameters|querystring)\./;

function bodyParserError(exception: unknown): BodyParserError | undefined {
  const candidates = [exception, exception instanceof Error ? exception.cause : undefined];
  return candidates.find((e): e is BodyParserError => typeof (e as BodyParserError | undefined)?.type === 'string' && PARSER_ERROR.test((e as BodyParserError).type));
}

/** The parser's own text can quote the body (a secret, perhaps): say what was wrong and where, not what. */
function bodyParserMessage(error: BodyParserError): string {
  switch (error.type) {
    case 'entity.parse.failed': {
      const position = /at position (\d+)/.exec(error.message ?? '')?.[1] ?? (/end of JSON input/.test(error.message ?? '') && typeof error.body === 'string' ? String(error.body.length) : undefined);
      return position === undefined ? 'body: invalid JSON' : `body: invalid JSON at position ${position}`;
    }
    case 'entity.too.large':
      return `body: larger than ${error.limit ?? 'the limit'} bytes`;
    case 'querystring.parse.rangeError':
      return 'body: form fields nested too deep';
    case 'parameters.too.many':
      return 'body: too many form fields';
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return 'body: unsupported charset or content encoding';
    default:
      return 'body: could not be read';
  }
}

/**
 * A 429 says when to retry: the `Retry-After` header (seconds), taken from the one a limiter
 * set (the throttler sets `Retry-After-<name>`) or from the exception's `retryAfterSeconds`,
 * and a message with the same number instead of the throttler's "ThrottlerException: Too Many
 * Requests". Returns the message to send.
 */
export function tooManyRequests(exception: HttpException, response: Response, fallback: unknown): string {
  const headers = Object.entries(response.getHeaders())
    .filter(([name]) => name === 'retry-after' || name.startsWith('retry-after-'))
    .map(([, value]) => value);
  const seconds = Math.max(
    1,
    ...[...headers, (exception as { retryAfterSeconds?: unknown }).retryAfterSeconds]
      .map((value) => Math.ceil(Number(value)))
      .filter(Number.isFinite),
  );
  response.setHeader('Retry-After', String(seconds));
  const generic = exception instanceof ThrottlerException || typeof fallback !== 'string' || fallback === throttlerMessage;
  return generic ? `too many requests; retry in ${seconds} s` : fallback;
}

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
    // Nest maps the body parser's errors (bad JSON, too large, bad charset) to an HttpException
    // carrying the parser's own error, whose text can quote the body: say what and where, not what was sent.
    const parserError = bodyParserError(exception);
    if (parserError) {
      const status = parserError.status ?? 400;
      const message = bodyParserMessage(parserError);
      response.status(status).json({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, details: [{ field: 'body', message }] });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const payload = typeof body === 'string' ? { message: body } : (body as Record<string, unknown>);
      let message = Array.isArray(payload.message) ? payload.message.join('; ') : payload.message;
      if (status === HttpStatus.TOO_MANY_REQUESTS) message = tooManyRequests(exception, response, message);
      response.status(status).json({
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Error',
        message: message ?? STATUS_CODES[status],
        ...(payload.details ? { details: payload.details } : {}),
      });
      return;
    }
    // The database behind a connection failed (refused, auth, timeout): the gateway's fault, said plainly.
    // Checked before Redis: a database's "connection refused" is not the queue's.
    if (exception instanceof DbError) {
      response.status(HttpStatus.BAD_GATEWAY).json({ statusCode: 502, error: 'Bad Gateway', message: exception.message, code: exception.code });
      return;
    }
    // Redis (the queue) is out of reach: a 503 the client may retry, never a 500.
    if (isRedisUnavailable(exception)) {
      this.logger.warn(`Redis unavailable: ${(exception as Error).message}`);
      response.status(HttpStatus.SERVICE_UNAVAILABLE).json({ statusCode: 503, error: 'Service Unavailable', message: 'the queue (Redis) is unavailable; send the request again when it is back' });
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
