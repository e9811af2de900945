export * from './databases';
export * from './redis';
export * from './env';
export * from './log-capture';
export * from './ports';
export * from './live-dialects';
export * from './torture';
