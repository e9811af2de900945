export * from './databases';
export * from './redis';
export * from './env';
export * from './log-capture';
export * from './ports';
export * from './torture';
export * from './smtp-sink';
export * from './worker-process';
