export * from './client.ts';
export * from './codes.ts';
export * from './credentials.ts';
export * from './failover.ts';
export * from './failover-report.ts';
export * from './recall.ts';
export * from './transport.ts';
export * from './usersig.ts';
