import { join, resolve } from 'node:path';

/** The repository root: the esbuild project root and where `package-lock.json` lives. */
export const REPO_ROOT = resolve(__dirname, '..');

/** The Lambda entry files (each `export const handler`). */
export const FUNCTION_ENTRIES = {
  ingest: join(REPO_ROOT, 'functions', 'ingest.ts'),
  consumer: join(REPO_ROOT, 'functions', 'consumer.ts'),
  status: join(REPO_ROOT, 'functions', 'status.ts'),
} as const;

/** The lock file esbuild bundling pins dependencies with. */
export const LOCK_FILE = join(REPO_ROOT, 'package-lock.json');
