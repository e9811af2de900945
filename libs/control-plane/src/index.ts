export * from './entities/user.entity';
export * from './entities/connection.entity';
export * from './entities/audit-log.entity';
export * from './data-source';
export * from './migrator';
export * from './secret-rotation';
export * from './connection-secrets';
export * from './nest/control-plane.module';
