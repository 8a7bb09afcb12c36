import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { createSession, endSession } from '../../users/sessions';
import { authenticateUser, registerUser } from '../../users/user-accounts';
import type { ApiDeps } from '../deps';
import { currentUser } from '../middleware/authenticate';
import { loginBody, meResponse, registerBody, sessionResponse } from '../openapi/auth-schemas';
import { defineRoute } from './define-route';

export function createAuthRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };
  const ttl = deps.config.SESSION_TTL_SECONDS;

  defineRoute(
    ctx,
    {
      method: 'post', path: '/register', operationId: 'registerUser', summary: 'Create an account and sign in', access: 'public', tags: ['Auth'], rateLimit: 'auth',
      body: registerBody, responses: { 201: { description: 'registered', schema: sessionResponse } }, errors: [409],
    },
    async ({ body }, _req, res) => {
      const user = await registerUser(deps.pool, body);
      res.status(201).json({ user, token: await createSession(deps.redis, user, ttl) });
    },
  );

  defineRoute(
    ctx,
    {
      method: 'post', path: '/login', operationId: 'login', summary: 'Sign in', access: 'public', tags: ['Auth'], rateLimit: 'auth',
      body: loginBody, responses: { 200: { description: 'signed in', schema: sessionResponse } }, errors: [401],
    },
    async ({ body }, _req, res) => {
      const user = await authenticateUser(deps.pool, body.email, body.password);
      res.json({ user, token: await createSession(deps.redis, user, ttl) });
    },
  );

  defineRoute(
    ctx,
    { method: 'post', path: '/logout', operationId: 'logout', summary: 'End this token', access: 'session', tags: ['Auth'], responses: { 204: { description: 'signed out' } } },
    async (_input, _req, res) => {
      await endSession(deps.redis, String(res.locals.token));
      res.status(204).end();
    },
  );

  defineRoute(
    ctx,
    { method: 'get', path: '/me', operationId: 'getCurrentUser', summary: 'The signed-in user', access: 'session', tags: ['Auth'], responses: { 200: { description: 'the user', schema: meResponse } } },
    async (_input, _req, res) => {
      res.json({ user: currentUser(res.locals) });
    },
  );
  return router;
}
