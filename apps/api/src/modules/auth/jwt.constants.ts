/** The one algorithm the API signs tokens with and the only one it accepts. */
export const JWT_ALGORITHM = 'HS256' as const;
