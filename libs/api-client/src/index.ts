import type { components } from './schema.gen';

export type { components, operations, paths } from './schema.gen';

/** One DTO of the API by its schema name, e.g. `Schema<'UserView'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];
export { serverEvents, type ServerEvent } from './server-events';
