import { Foundation1763870400000 } from './1763870400000-Foundation';

/** Every migration, oldest first. A new one is added here as well as in its file. */
export const MIGRATIONS = [Foundation1763870400000];
