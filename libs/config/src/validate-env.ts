import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';

export type EnvClass<T> = new () => T;

/** Thrown at boot: the message names every bad variable, never its value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const describe = (error: ValidationError): string =>
  Object.values(error.constraints ?? {}).join('; ') || `${error.property} is invalid`;

/**
 * Validates raw variables against an env class; empty strings count as unset so that a
 * blank line in .env falls back to the default instead of failing obscurely.
 */
export function validateEnv<T extends object>(cls: EnvClass<T>, raw: NodeJS.ProcessEnv = process.env): T {
  const names = envVariableNames(cls);
  const present = Object.fromEntries(
    names.filter((name) => raw[name] !== undefined && raw[name] !== '').map((name) => [name, raw[name]]),
  );
  const env = plainToInstance(cls, present, { exposeDefaultValues: true });
  const errors = validateSync(env, { forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(errors.map(describe));
  return env;
}

/** Every variable an env class declares, in declaration order. */
export function envVariableNames(cls: EnvClass<object>): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}
