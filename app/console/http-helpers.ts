/**
 * How the console answers over HTTP: its security headers (a strict Content-Security-Policy with no
 * inline script or style, no framing, no caching of pages), the session cookie's attributes, form
 * bodies read with a small limit, and "next" paths that can only point back into the console.
 */
import type { Request, RequestHandler, Response } from 'express';
import express from 'express';
import { AppError } from '../services/app-error.js';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

export function setSecurityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

export function sendHtml(res: Response, status: number, page: string): void {
  setSecurityHeaders(res);
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).type('html').send(page);
}

/** A console path to return to after sign-in: same origin only (no `//host`, no `\`), else `/`. */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || value.length > 500) return '/';
  return /^\/(?![/\\])[^\s\\]*$/.test(value) ? value : '/';
}

export interface CookieSettings {
  name: string;
  secure: boolean;
}

/** `__Host-` cookies must be Secure; over plain http (local use) the plain name is used. */
export function cookieSettingsFor(req: Request, publicUrl: string | null): CookieSettings {
  const secure = publicUrl?.startsWith('https:') === true || req.secure;
  return { name: secure ? '__Host-agentgate_session' : 'agentgate_session', secure };
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(
  res: Response,
  settings: CookieSettings,
  value: string,
  maxAgeS: number,
): void {
  const parts = [
    `${settings.name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeS}`,
    ...(settings.secure ? ['Secure'] : []),
  ];
  res.append('Set-Cookie', parts.join('; '));
}

export function clearSessionCookie(res: Response, settings: CookieSettings): void {
  setSessionCookie(res, settings, '', 0);
}

const formParser = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

/** Reads a form body (urlencoded, at most 16 KiB); anything else leaves an empty body. */
export function readForm(req: Request, res: Response): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    (formParser as RequestHandler)(req, res, (error?: unknown) => {
      if (!error) return resolve((req.body as Record<string, unknown> | undefined) ?? {});
      const type = (error as { type?: string }).type;
      reject(
        type === 'entity.too.large'
          ? new AppError('payload_too_large', 'The form is too large (at most 16 KiB); shorten the reason.')
          : new AppError('bad_request', 'The form could not be read; reload the page and try again.'),
      );
    });
  });
}
