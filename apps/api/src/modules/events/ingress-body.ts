import type { NextFunction, Request, Response } from 'express';
import express from 'express';

/** The largest signed delivery read (a batch of 1000 events of about 5 KB each). */
export const MAX_DELIVERY_BYTES = 5 * 1024 * 1024;
/** POST /api/events/:source (not /api/events/redrive, an ordinary JSON route). */
const INGRESS = /^\/api\/events\/(?!redrive\/?$)[^/]+\/?$/;

const readRaw = express.raw({ type: () => true, limit: MAX_DELIVERY_BYTES });

export type IngressRequest = Request & { eventBody?: Buffer };

/**
 * Mounted before the JSON body parser: a delivery to the ingress is read as bytes, never parsed,
 * because its signature is over the raw body and is checked first (the JSON parser then skips the
 * request, which is marked read). The bytes are kept beside the request, not as its body, so no
 * guard walks them. Too large: 413 without reading the rest; unreadable: 400.
 */
export function eventIngressBody(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'POST' || !INGRESS.test(req.path)) return next();
  readRaw(req, res, (error?: unknown) => {
    if (error) {
      const status = (error as { status?: number }).status === 413 ? 413 : 400;
      const message = status === 413 ? `body: larger than ${MAX_DELIVERY_BYTES} bytes` : 'body: could not be read';
      res.status(status).json({ statusCode: status, error: status === 413 ? 'Payload Too Large' : 'Bad Request', message, details: [{ field: 'body', message }] });
      return;
    }
    (req as IngressRequest).eventBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    req.body = undefined;
    next();
  });
}
