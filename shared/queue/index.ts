export * from './calls.ts';
export * from './dead-letter.ts';
export * from './message.ts';
