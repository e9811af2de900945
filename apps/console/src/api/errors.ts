/** One field the API named as wrong (`details[]` of its error body). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * An API error as the console shows it: the API's own message and the fields it named. Every
 * API error has the shape `{statusCode, error, message, details?}` (docs/API.md, "Errors").
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static from(response: Response, body: unknown): ApiError {
    const payload = (typeof body === 'object' && body !== null ? body : {}) as { message?: unknown; details?: unknown };
    const message = Array.isArray(payload.message) ? payload.message.join('; ') : typeof payload.message === 'string' ? payload.message : typeof body === 'string' && body ? body : `${response.status} ${response.statusText || 'error'}`;
    const details = Array.isArray(payload.details)
      ? payload.details.filter((d): d is FieldProblem => typeof d?.field === 'string' && typeof d?.message === 'string')
      : [];
    return new ApiError(response.status, message, details);
  }

  /** The message for one field, or for any field under it (`tables[0].where` under `tables`). */
  fieldMessage(field: string): string | undefined {
    return this.details.find((d) => d.field === field || d.field.startsWith(`${field}.`) || d.field.startsWith(`${field}[`))?.message;
  }
}

/** Any thrown value as a sentence for the user. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'something went wrong';
}

/** The API's per-field messages of an error, keyed by field, for forms. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const d of error.details) out[d.field] ??= d.message;
  return out;
}
