export type Role = 'user' | 'admin' | 'scanner';

/** A signed-in account as sessions carry it and the API answers it (never its password hash). */
export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}
