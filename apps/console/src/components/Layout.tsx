import { Suspense, useEffect, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { logout } from '../api/client';
import { useSession } from '../api/session';
import { externalLinks, routes } from '../routes';
import { roleAllows } from './role';

/** The signed-in user's name and role, with change password and log out. */
function UserMenu() {
  const session = useSession();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => !ref.current?.contains(event.target as Node) && setOpen(false);
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  if (!session) return null;
  const { username, role } = session.user;
  return (
    <div className="user-menu" ref={ref} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="user-name">{username}</span> <span className="user-role">{role}</span> ▾
      </button>
      {open ? (
        <div className="user-menu-items" role="menu">
          <div className="user-menu-who" role="none">
            Signed in as <strong>{username}</strong> ({role})
          </div>
          <Link role="menuitem" to="/password" onClick={() => setOpen(false)}>
            Change password
          </Link>
          <button
            type="button"
            role="menuitem"
            onClick={async () => {
              await logout();
              navigate('/login', { replace: true });
            }}
          >
            Log out
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** Left navigation, top bar with the user menu, and the current page. */
export function Layout() {
  const session = useSession();
  const user = session?.user;
  const role = user?.role;
  const location = useLocation();
  const [navOpen, setNavOpen] = useState(false);
  useEffect(() => setNavOpen(false), [location.pathname]);
  const entries = [
    ...routes.flatMap((r) => (r.nav && roleAllows(role, r.role ?? 'viewer') && (!r.nav.shownWhen || (user && r.nav.shownWhen(user))) ? [{ key: r.path, order: r.nav.order, label: r.nav.label, to: `/${r.path}`, external: false }] : [])),
    ...externalLinks.filter((l) => roleAllows(role, l.role ?? 'viewer')).map((l) => ({ key: l.href, order: l.order, label: l.label, to: l.href, external: true })),
  ].sort((a, b) => a.order - b.order);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="nav-toggle" aria-expanded={navOpen} aria-controls="sidenav" onClick={() => setNavOpen(!navOpen)}>
          ☰ <span className="visually-hidden">Menu</span>
        </button>
        <Link to="/" className="brand">
          dbferry
        </Link>
        <UserMenu />
      </header>
      <nav id="sidenav" className={`sidenav${navOpen ? ' open' : ''}`} aria-label="Main">
        <ul>
          {entries.map((e) => (
            <li key={e.key}>
              {e.external ? (
                <a href={e.to} target="_blank" rel="noopener">
                  {e.label} ↗
                </a>
              ) : (
                <NavLink to={e.to}>{e.label}</NavLink>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="loading">Loading…</p>}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
