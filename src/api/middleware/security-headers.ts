import helmet from 'helmet';

/**
 * Helmet's headers on every answer. The API serves JSON and Prometheus text, never a page: its CSP lets
 * nothing load, run or frame it, so an answer opened in a browser (or sniffed as HTML) is inert.
 * Helmet's page-oriented default CSP (scripts and styles from 'self', fonts, images) would only loosen it.
 */
export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
});
