export * from './dead-letter.ts';
export * from './message.ts';
