import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { AppError } from '../../domain/errors';
import { findSession } from '../services/sessions';

export type Role = 'user' | 'admin' | 'scanner';

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export type AccessRule = 'public' | 'user' | 'admin';

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
        if (rule === 'admin' && user.role !== 'admin') throw new AppError('FORBIDDEN', 'this action needs the admin role');
        res.locals.user = user;
        res.locals.token = token;
        next();
      })
      .catch(next);
  };
}

export function currentUser(locals: Record<string, unknown>): AuthUser {
  const user = locals.user as AuthUser | undefined;
  if (!user) throw new AppError('UNAUTHENTICATED', 'a valid bearer token is required');
  return user;
}
