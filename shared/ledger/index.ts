// The consumer (`shared/consumer/`) still imports the ledger's error from here; it lives in
// `#shared/errors` with every other error. Drop this line once nothing imports it from the ledger.
export { LedgerUnavailableError } from '../errors/index.ts';
export * from './decisions.ts';
export * from './ledger.ts';
export * from './status.ts';
export * from './transitions.ts';
