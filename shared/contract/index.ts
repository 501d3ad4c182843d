export * from './characters.ts';
export * from './schemas.ts';
export * from './strict-json.ts';
export * from './target.ts';
export * from './validate.ts';
