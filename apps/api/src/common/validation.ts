import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

export interface FieldProblem {
  field: string;
  message: string;
}

/** Flattens nested class-validator errors into `field.path: message` pairs. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    // Array items read as tables[0].where, the same path the services use.
    const field = !parent ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) /, `$1 `).replace(new RegExp(`^${error.property.replace(/[^\w]/g, '\\$&')}\\b`), field),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** 400 whose message names each bad field; `details` carries them for programs. */
export function fieldError(problems: FieldProblem[]): BadRequestException {
  return new BadRequestException({
    message: problems.map((p) => (p.message.startsWith(p.field) ? p.message : `${p.field}: ${p.message}`)).join('; '),
    details: problems,
  });
}

export const validationPipe = () =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => fieldError(flattenValidationErrors(errors)),
  });
