import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiParam, getSchemaPath } from '@nestjs/swagger';

/** Example ids, one per kind of thing, so the documents agree with one another. */
export const EXAMPLE_ID = {
  user: '3f1c2a9e-6b0d-4e8f-9a7c-1d2e3f4a5b6c',
  connection: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  job: '9b2d4f61-3c8a-4e57-b1d0-6a7f8e9c0d12',
  run: '5b0f2c1e-8f6b-4c1e-9f1a-2d3c4b5a6e7f',
} as const;

/** A timestamp for examples (times are ISO-8601 UTC). */
export const EXAMPLE_TIME = '2026-11-23T09:30:00.000Z';

/** The `:id` path parameter of a route about one `kind`. */
export const ApiIdParam = (kind: keyof typeof EXAMPLE_ID) =>
  ApiParam({ name: 'id', format: 'uuid', description: `the ${kind}'s id`, example: EXAMPLE_ID[kind] });

/** 200 with a page of `model`: `{ items: [...], total }`, as every list route answers. */
export const ApiPageResponse = (model: Type<unknown>, description?: string) =>
  applyDecorators(
    ApiExtraModels(model),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['items', 'total'],
        properties: {
          items: { type: 'array', items: { $ref: getSchemaPath(model) } },
          total: { type: 'integer', example: 1, description: 'how many there are in all, whatever limit and offset' },
        },
      },
    }),
  );
