import { type ComponentType, lazy, type LazyExoticComponent } from 'react';
import type { Role, SessionUser } from './api/session';

/** Fault injection is on when the API says so in its /api/auth answers (never asked of /api/faults, which is a 404 when off). */
const faultsEnabled = (user: SessionUser): boolean => user.faultsEnabled === true;

/**
 * One page of the console: its URL, its lazily loaded component (each page is its own chunk,
 * so the first page loads only what it shows), who may open it, and its left-nav entry.
 */
export interface ConsoleRoute {
  /** react-router path under `/`, e.g. 'jobs' or 'jobs/:id'. */
  path: string;
  page: LazyExoticComponent<ComponentType>;
  /** The least role that may open it (default viewer); the API enforces roles again. */
  role?: Role;
  /**
   * Shown in the left navigation, sorted by `order`; with `shownWhen`, only when it holds for the
   * signed-in user as the API last answered it (a feature the API may have off, such as fault injection).
   */
  nav?: { label: string; order: number; shownWhen?: (user: SessionUser) => boolean };
}

/** A left-nav link to a page the console does not render (Bull Board, Swagger UI). */
export interface ExternalNavLink {
  label: string;
  href: string;
  order: number;
  role?: Role;
}

/**
 * The login and password pages, outside the signed-in layout. The login page is the first page
 * of most visits and small (about 1 kB gzipped): it comes with the main bundle, which saves the
 * round trip for its chunk; every other page is loaded when opened.
 */
export { default as LoginPage } from './pages/login/LoginPage';
export const ChangePasswordPage = lazy(() => import('./pages/login/ChangePasswordPage'));

/** Where a sign-in lands when no page was asked for. */
export const HOME_PATH = '/dashboard';

/**
 * Every page behind the sign-in. Each area adds its own lines in its own block (pages in
 * src/pages/<area>/). Nav order: dashboard 10, connections 20, jobs 30, runs 40, diffs 50, arbiter 55, repairs 60, groups 65, sync tasks 67, faults 70, event sources 72, event inbox 74, alerts 80,
 * users 90; external links 100+.
 */
export const routes: ConsoleRoute[] = [
  // dashboard
  { path: 'dashboard', page: lazy(() => import('./pages/dashboard/DashboardPage')), nav: { label: 'Dashboard', order: 10 } },
  // connections
  { path: 'connections', page: lazy(() => import('./pages/connections/ConnectionsPage')), nav: { label: 'Connections', order: 20 } },
  { path: 'connections/new', page: lazy(() => import('./pages/connections/ConnectionFormPage')), role: 'admin' },
  { path: 'connections/:id', page: lazy(() => import('./pages/connections/ConnectionPage')) },
  { path: 'connections/:id/edit', page: lazy(() => import('./pages/connections/ConnectionFormPage')), role: 'admin' },
  { path: 'connections/:id/tables/:schema/:table', page: lazy(() => import('./pages/connections/TablePage')) },
  // jobs
  { path: 'jobs', page: lazy(() => import('./pages/jobs/JobsListPage')), nav: { label: 'Jobs', order: 30 } },
  { path: 'jobs/new', page: lazy(() => import('./pages/jobs/JobFormPage')), role: 'operator' },
  { path: 'jobs/:id', page: lazy(() => import('./pages/jobs/JobFormPage')) },
  // runs
  { path: 'runs', page: lazy(() => import('./pages/runs/RunsPage')), nav: { label: 'Runs', order: 40 } },
  { path: 'runs/:id', page: lazy(() => import('./pages/runs/RunPage')) },
  // arbitration: diffs, the arbiter, repairs (repairs hold rows: operators and admins, as the API)
  { path: 'diffs', page: lazy(() => import('./pages/arbitration/DiffsPage')), nav: { label: 'Diffs', order: 50 } },
  { path: 'diffs/new', page: lazy(() => import('./pages/arbitration/DiffFormPage')), role: 'operator' },
  { path: 'diffs/:id', page: lazy(() => import('./pages/arbitration/DiffPage')) },
  { path: 'arbiter', page: lazy(() => import('./pages/arbitration/ArbiterPage')), nav: { label: 'Arbiter', order: 55 } },
  { path: 'repairs', page: lazy(() => import('./pages/arbitration/RepairsPage')), role: 'operator', nav: { label: 'Repairs', order: 60 } },
  { path: 'repairs/:id', page: lazy(() => import('./pages/arbitration/RepairPage')), role: 'operator' },
  // replica groups: groups, the row editor (on each group's page), sync tasks; faults (admins, when the API has them on)
  { path: 'groups', page: lazy(() => import('./pages/groups/GroupsPage')), nav: { label: 'Groups', order: 65 } },
  { path: 'groups/new', page: lazy(() => import('./pages/groups/GroupFormPage')), role: 'operator' },
  { path: 'groups/:id', page: lazy(() => import('./pages/groups/GroupPage')) },
  { path: 'sync-tasks', page: lazy(() => import('./pages/groups/SyncTasksPage')), nav: { label: 'Sync tasks', order: 67 } },
  { path: 'faults', page: lazy(() => import('./pages/groups/FaultsPage')), role: 'admin', nav: { label: 'Faults', order: 70, shownWhen: faultsEnabled } },
  // upstream events: sources with their mappings and full-sync runs, the inbox with redrive
  { path: 'event-sources', page: lazy(() => import('./pages/events/EventSourcesPage')), nav: { label: 'Event sources', order: 72 } },
  { path: 'event-sources/new', page: lazy(() => import('./pages/events/EventSourceFormPage')), role: 'admin' },
  { path: 'event-sources/:id/edit', page: lazy(() => import('./pages/events/EventSourceFormPage')), role: 'admin' },
  { path: 'events', page: lazy(() => import('./pages/events/EventsInboxPage')), nav: { label: 'Event inbox', order: 74 } },
  // alerts
  { path: 'alerts', page: lazy(() => import('./pages/alerts/AlertsPage')), role: 'admin', nav: { label: 'Alerts', order: 80 } },
  // users
  { path: 'users', page: lazy(() => import('./pages/users/UsersPage')), role: 'admin', nav: { label: 'Users', order: 90 } },
];

export const externalLinks: ExternalNavLink[] = [
  // Bull Board (admin)
  { label: 'Queues (Bull Board)', href: '/queues', order: 100, role: 'admin' },
];
