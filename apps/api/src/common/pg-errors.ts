/** PostgreSQL SQLSTATEs the API turns into 409s instead of 500s. */
const code = (error: unknown) => (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;

export const isUniqueViolation = (error: unknown) => code(error) === '23505';
export const isForeignKeyViolation = (error: unknown) => code(error) === '23503';
