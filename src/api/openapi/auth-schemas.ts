import { z } from './registry';
import { boundedText, emailAddress, visibleText } from './string-formats';

export const userSchema = z
  .object({ id: z.string().uuid(), email: z.string(), name: z.string(), role: z.enum(['user', 'admin', 'scanner']) })
  .openapi('User');

export const registerBody = z
  .object({
    email: emailAddress,
    password: boundedText({ min: 8, max: 200 }),
    name: visibleText(200),
  })
  .openapi('RegisterRequest', { description: 'An email already registered (compared case-insensitively) is 409 EMAIL_TAKEN.' });

// Any email an account may have been given is looked up, so only what PostgreSQL cannot hold is refused.
export const loginBody = z
  .object({ email: visibleText(254), password: boundedText({ min: 1, max: 200 }) })
  .openapi('LoginRequest');

export const sessionResponse = z.object({ user: userSchema, token: z.string() }).openapi('Session');
export const meResponse = z.object({ user: userSchema }).openapi('Me');
