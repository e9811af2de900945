export * from './env.dto';
export * from './validate-env';
export * from './namespaces';
export * from './load-env-file';
export * from './log-destination';
export * from './control-store';
