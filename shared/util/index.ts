export * from './concurrency.ts';
export * from './redact.ts';
