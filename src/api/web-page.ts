import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type RequestHandler, type Response } from 'express';

/** Where `npm start` / `npm test` build the fan's web page (scripts/web-build.js). */
export const WEB_DIST_DIR = join(__dirname, '..', '..', 'web', 'dist');

/** Paths that belong to the API and operators: a missing one is their 404, never the page. */
const NOT_THE_PAGE = /^\/(api|openapi\.json|health|metrics)(\/|$)/;

/**
 * The page loads only its own scripts and styles and talks only to this origin (JSON, the live
 * stream, QR images turned into blob: URLs); the API's own answers keep their stricter policy.
 */
const PAGE_CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function pageHeaders(res: Response, path: string): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  // Hashed asset names change with their content; the page itself must be asked for again.
  res.setHeader('Cache-Control', path.includes(`${join('dist', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
}

/**
 * The built single-page app at `/`, and its index for the page's own routes (/events/…, /tickets…),
 * so a reload or a shared link works. Registered after the API: it only sees what no route took.
 */
export function serveWebPage(distDir: string = WEB_DIST_DIR): RequestHandler {
  const files = express.static(distDir, { index: 'index.html', setHeaders: pageHeaders });
  const index = join(distDir, 'index.html');
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_THE_PAGE.test(req.path)) return next();
    files(req, res, () => {
      // A missing asset (a file name with an extension) is a 404, not the page in its place; so is an
      // unknown path asked for by an API client (Accept: */* or JSON): only a browser's navigation,
      // which asks for HTML first, gets the page.
      if (/\.[a-z0-9]+$/i.test(req.path) || !existsSync(index) || req.accepts(['json', 'html']) !== 'html') return next();
      pageHeaders(res, index);
      res.sendFile(index);
    });
  };
}
