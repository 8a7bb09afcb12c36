import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { AppError } from '../../domain/errors';
import type { AuthUser, Role } from '../../users/auth-user';
import { findSession } from '../../users/sessions';

/**
 * Who may call a route: anyone; any signed-in account (`session`: who am I, sign out); a buyer (`user`:
 * a user or an admin); the door (`scanner`: a scanner or an admin); operators (`admin`). A scanner
 * account can do nothing but scan.
 */
export type AccessRule = 'public' | 'session' | 'user' | 'scanner' | 'admin';

/** Reads the bearer token (an opaque id of a session in Redis) and enforces the route's access rule. */
export function authenticate(redis: Redis, rule: AccessRule): RequestHandler {
  return (req, res, next) => {
    if (rule === 'public') return next();
    const header = req.header('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header);
    if (!match?.[1]) return next(new AppError('UNAUTHENTICATED', 'a valid bearer token is required'));
    const token = match[1];
    findSession(redis, token)
      .then((user) => {
        if (!user) throw new AppError('UNAUTHENTICATED', 'the token is invalid or has expired');
        if (!allows(rule, user.role)) throw new AppError('FORBIDDEN', refusal(rule));
        res.locals.user = user;
        res.locals.token = token;
        next();
      })
      .catch(next);
  };
}

function allows(rule: AccessRule, role: Role): boolean {
  switch (rule) {
    case 'admin':
      return role === 'admin';
    case 'scanner':
      return role === 'scanner' || role === 'admin';
    case 'user':
      return role === 'user' || role === 'admin';
    default:
      return true;
  }
}

function refusal(rule: AccessRule): string {
  if (rule === 'admin') return 'this action needs the admin role';
  if (rule === 'scanner') return 'this action needs the scanner or admin role';
  return 'a scanner account can only validate tickets';
}

export function currentUser(locals: Record<string, unknown>): AuthUser {
  const user = locals.user as AuthUser | undefined;
  if (!user) throw new AppError('UNAUTHENTICATED', 'a valid bearer token is required');
  return user;
}
