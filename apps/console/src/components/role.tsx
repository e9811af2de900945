import type { ReactNode } from 'react';
import { type Role, useSession } from '../api/session';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` may do what needs `needed` (admin > operator > viewer). */
export function roleAllows(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

/** The signed-in user's role (undefined when signed out). */
export function useRole(): Role | undefined {
  return useSession()?.user.role;
}

/** True when the signed-in user has at least `needed` (default operator: may change things). */
export function useCan(needed: Role = 'operator'): boolean {
  return roleAllows(useRole(), needed);
}

/**
 * Renders its children only for users who may edit (operator by default, or `role`): a viewer
 * sees no edit controls. The API checks the role again on every call.
 */
export function CanEdit({ role = 'operator', children, fallback = null }: { role?: Role; children: ReactNode; fallback?: ReactNode }) {
  return <>{useCan(role) ? children : fallback}</>;
}
