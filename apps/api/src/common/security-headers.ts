import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * helmet's headers with a CSP that Swagger UI (/docs), Bull Board (/queues) and a console at /
 * can live with: scripts, fonts, images and fetches from this origin only; inline styles
 * allowed (Swagger UI's page and Bull Board's loading screen carry a <style> block); no
 * framing, plugins or foreign form targets. upgrade-insecure-requests is off: over plain http
 * (a quick start on a LAN address) it would send the assets to an https port that is not there;
 * Strict-Transport-Security is ignored over http and applies once the API is served over TLS.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    // For this host only: an API behind TLS has no say over its sibling subdomains.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  });
}
