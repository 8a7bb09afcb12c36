import { z } from './registry';

export const userSchema = z
  .object({ id: z.string().uuid(), email: z.string(), name: z.string(), role: z.enum(['user', 'admin', 'scanner']) })
  .openapi('User');

export const registerBody = z
  .object({
    email: z.string().trim().email().max(254),
    password: z.string().min(8).max(200),
    name: z.string().trim().min(1).max(200),
  })
  .openapi('RegisterRequest');

export const loginBody = z
  .object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(200) })
  .openapi('LoginRequest');

export const sessionResponse = z.object({ user: userSchema, token: z.string() }).openapi('Session');
export const meResponse = z.object({ user: userSchema }).openapi('Me');
