import { type ReactNode, Suspense, useEffect } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { api, unwrap } from './api/client';
import { getSession, updateUser, useSession } from './api/session';
import { Layout } from './components/Layout';
import { roleAllows } from './components/role';
import { ChangePasswordPage, HOME_PATH, LoginPage, routes } from './routes';
import type { Role } from './api/session';

function here(location: { pathname: string; search: string; hash: string }): string {
  return `${location.pathname}${location.search}${location.hash}`;
}

let checkedUser = false;

/**
 * Signed-in pages: without a session, to the login page and back here after; while the
 * password must be changed, to the password page first.
 */
function RequireAuth({ children, allowPending = false }: { children: ReactNode; allowPending?: boolean }) {
  const session = useSession();
  const location = useLocation();
  useEffect(() => {
    // The role or the forced change may have changed since the token was stored (a reload).
    if (!session || checkedUser) return;
    checkedUser = true;
    unwrap(api.GET('/api/auth/me')).then((user) => getSession() && updateUser(user), () => undefined);
  }, [session]);
  if (!session) return <Navigate to={`/login?next=${encodeURIComponent(here(location))}`} replace />;
  if (session.user.mustChangePassword && !allowPending) return <Navigate to={`/password?next=${encodeURIComponent(here(location))}`} replace />;
  return <>{children}</>;
}

function RoleGate({ role, children }: { role?: Role; children: ReactNode }) {
  const session = useSession();
  if (!roleAllows(session?.user.role, role ?? 'viewer')) {
    return (
      <section>
        <h1>Not allowed</h1>
        <p>This page needs the {role} role; you are signed in as {session?.user.role}.</p>
      </section>
    );
  }
  return <>{children}</>;
}

function NotFound() {
  const location = useLocation();
  return (
    <section>
      <h1>Not found</h1>
      <p>
        The console has no page at <code>{location.pathname}</code>.
      </p>
    </section>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route
            path="/password"
            element={
              <RequireAuth allowPending>
                <ChangePasswordPage />
              </RequireAuth>
            }
          />
          <Route
            element={
              <RequireAuth>
                <Layout />
              </RequireAuth>
            }
          >
            <Route index element={<Navigate to={HOME_PATH} replace />} />
            {routes.map((r) => (
              <Route
                key={r.path}
                path={r.path}
                element={
                  <RoleGate role={r.role}>
                    <r.page />
                  </RoleGate>
                }
              />
            ))}
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </Suspense>
    </BrowserRouter>
  );
}
