import type { JSX } from 'preact';
import { Link, useLocation } from '../router';

/** Where a page needs an account: a link that comes back here after logging in. */
export function LoginLink({ children }: { children: string }): JSX.Element {
  const { path } = useLocation();
  return <Link href={`/login?next=${encodeURIComponent(path)}`}>{children}</Link>;
}
