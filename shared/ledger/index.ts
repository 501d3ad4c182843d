export * from './decisions.ts';
export * from './ledger.ts';
export * from './status.ts';
export * from './transitions.ts';
