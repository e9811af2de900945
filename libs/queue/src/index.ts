export * from './tokens';
export * from './redis';
export * from './job-handler';
export * from './handler-registry';
export * from './job-producer';
export * from './queue-processor';
export * from './queue.module';
export * from './bull-board';
export { Queue, QueueEvents, UnrecoverableError } from 'bullmq';
