import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { post } from '../api/client';
import { setSession } from '../api/session';
import type { Session } from '../api/types';
import { Notice } from '../components/notice';
import { fanMessage } from '../error-messages';
import { navigate, useLocation } from '../router';

type Mode = 'login' | 'register';

/** Log in or create an account, then back to where the fan was going (?next=). */
export function LoginPage(): JSX.Element {
  const { query } = useLocation();
  const [mode, setMode] = useState<Mode>('login');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const field = (name: string): string => String(form.get(name) ?? '');
    setBusy(true);
    setError(null);
    try {
      const session =
        mode === 'login'
          ? await post<Session>('/auth/login', { email: field('email'), password: field('password') })
          : await post<Session>('/auth/register', { email: field('email'), password: field('password'), name: field('name') });
      setSession(session);
      const next = query.get('next');
      navigate(next?.startsWith('/') ? next : session.user.role === 'scanner' ? '/scanner' : '/', true);
    } catch (err) {
      setError(fanMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const other: Mode = mode === 'login' ? 'register' : 'login';
  return (
    <section class="narrow">
      <h1>{mode === 'login' ? 'Log in' : 'Create an account'}</h1>
      <form onSubmit={(e) => void submit(e)} class="stack">
        {mode === 'register' && (
          <label>
            Your name
            <input name="name" autoComplete="name" required maxLength={200} />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password{mode === 'register' && ' (at least 8 characters)'}
          <input name="password" type="password" autoComplete={mode === 'login' ? 'current-password' : 'new-password'} required minLength={mode === 'register' ? 8 : 1} />
        </label>
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit" class="primary" disabled={busy}>
          {mode === 'login' ? 'Log in' : 'Create account'}
        </button>
      </form>
      <p>
        {mode === 'login' ? 'New here?' : 'Already have an account?'}{' '}
        <button type="button" class="link-button" onClick={() => { setMode(other); setError(null); }}>
          {other === 'register' ? 'Create an account' : 'Log in'}
        </button>
      </p>
    </section>
  );
}
