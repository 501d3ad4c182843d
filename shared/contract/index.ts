export * from './contract.ts';
export * from './strict-json.ts';
