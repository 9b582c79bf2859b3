/**
 * The security headers of every fleet-page response. The CSP allows scripts, styles and requests to this origin
 * only (no inline script or style, no CDN, no eval), no frames around the page, no forms submitted anywhere.
 *
 * @module
 */

export const FLEET_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function fleetHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': FLEET_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    // Small, and changed with each deployment: revalidated rather than cached stale.
    'cache-control': 'no-cache',
  };
}
