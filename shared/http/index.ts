export * from './answers.ts';
export * from './api-auth.ts';
export * from './bodies.ts';
export * from './request-body.ts';
export * from './webhook.ts';
