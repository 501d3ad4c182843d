/**
 * `npm run openapi [-- --out <file> | --stdout] [--auth iam|apiKey|webhook] [--server <url>]`
 *
 * Writes the API's OpenAPI 3.1 document, generated from the contract's zod schemas
 * (`tools/openapi.ts`). Without options it rewrites the committed `openapi.json`, which lists all
 * three security schemes and API Gateway's URL template; a deployment's own document (one scheme, its
 * URL) goes to `--out` or `--stdout`, so the committed one stays the default.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { API_AUTH_MODES, type ApiAuthMode } from '#shared/http';
import { buildOpenApiDocument, type OpenApiOptions } from '../tools/openapi';

/** The committed document, at the repository root. */
export const COMMITTED_DOCUMENT = join(__dirname, '..', 'openapi.json');

const USAGE = `Usage: npm run openapi -- [options]

Writes the OpenAPI 3.1 document of POST /v1/events and GET /v1/events/{eventId}.

  (no options)            rewrite the committed openapi.json (all three security schemes, API Gateway's URL template)
  --out <file>            write it to <file> instead
  --stdout                print it
  --auth <mode>           only the security scheme of a deployment: ${API_AUTH_MODES.join(', ')}
  --server <url>          the API's base URL (without /v1/events), e.g. http://127.0.0.1:3000
`;

/** The document as the committed file holds it. */
export const serialize = (options: OpenApiOptions = {}): string =>
  `${JSON.stringify(buildOpenApiDocument(options), null, 2)}\n`;

const isScheme = (value: string): value is ApiAuthMode =>
  (API_AUTH_MODES as readonly string[]).includes(value);

function main(argv: string[]): number {
  let values: { out?: string; stdout?: boolean; auth?: string; server?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        stdout: { type: 'boolean' },
        auth: { type: 'string' },
        server: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`openapi: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const usage = (message: string) => {
    console.error(`openapi: ${message}\n\n${USAGE}`);
    return 2;
  };
  if (values.out !== undefined && values.stdout) return usage('give --out or --stdout, not both');
  if (values.auth !== undefined && !isScheme(values.auth)) {
    return usage(`--auth must be one of ${API_AUTH_MODES.join(', ')}, got '${values.auth}'`);
  }
  const options: OpenApiOptions = {
    ...(values.auth !== undefined && isScheme(values.auth) ? { auth: values.auth } : {}),
    ...(values.server === undefined ? {} : { serverUrl: values.server }),
  };
  const custom = Object.keys(options).length > 0;
  if (custom && values.out === undefined && !values.stdout) {
    return usage(
      'openapi.json is the default document: write one with --auth or --server to --out or --stdout',
    );
  }
  const text = serialize(options);
  if (values.stdout) {
    process.stdout.write(text);
    return 0;
  }
  const file = values.out ?? COMMITTED_DOCUMENT;
  writeFileSync(file, text);
  console.log(`openapi: wrote ${file}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
