export * from './backoff.ts';
export * from './batch-ledger.ts';
export * from './coalesce.ts';
export * from './pacer.ts';
export * from './policy.ts';
export * from './recorder.ts';
export * from './runner.ts';
export * from './step.ts';
