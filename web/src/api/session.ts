import { useEffect, useState } from 'preact/hooks';
import type { Session } from './types';

/** Kept across reloads in this browser; logging out (or a token the API refuses) forgets it. */
const STORAGE_KEY = 'tickets.session';

let current: Session | null = read();
const listeners = new Set<(session: Session | null) => void>();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function currentSession(): Session | null {
  return current;
}

export function setSession(session: Session | null): void {
  current = session;
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener(session);
}

export function useSession(): Session | null {
  const [session, setLocal] = useState(current);
  useEffect(() => {
    listeners.add(setLocal);
    return () => void listeners.delete(setLocal);
  }, []);
  return session;
}

/** A scanner account may only validate tickets: the page shows it the door and nothing else. */
export const canScan = (session: Session | null): boolean => session?.user.role === 'scanner' || session?.user.role === 'admin';
export const canBuy = (session: Session | null): boolean => session !== null && session.user.role !== 'scanner';
