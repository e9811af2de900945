/** PostgreSQL SQLSTATEs the control store's callers branch on (409s in the API, coalesced runs). */
const code = (error: unknown) => (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;

export const isUniqueViolation = (error: unknown) => code(error) === '23505';
export const isForeignKeyViolation = (error: unknown) => code(error) === '23503';
