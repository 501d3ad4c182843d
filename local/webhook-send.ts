/**
 * `npm run --silent webhook:send -- <url> '<json>'`: signs a body the way a Standard Webhooks sender does
 * and POSTs it, printing the answer. The development companion of `npm start -- --auth webhook`, and a
 * reference sender of a raw body (`npm run send` sends events): the headers are the typed client's
 * `webhookHeaders`, the one signer of the repository, whose signature is the `standardwebhooks`
 * package's `Webhook.sign`.
 *
 * The signing secret comes from `WEBHOOK_SECRET` (never a flag: flags end up in shell histories and
 * process lists).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, UsageError } from '#shared/errors';
import { webhookHeaders } from '../client/index.ts';
import { shellQuoted } from './webhook.ts';

const HELP = `WEBHOOK_SECRET=whsec_... npm run --silent webhook:send -- <url> <json body | -> [--id ID] [--curl]

Signs the body (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature = v1,<HMAC-SHA256>)
with WEBHOOK_SECRET and POSTs it to <url> as application/json; prints the answer's body.
  <json body>  the request body, sent byte for byte as signed; - reads it from standard input
  --id ID      the webhook-id (default msg_<random uuid>); send the same id and body again to see a
               redelivery answered as a duplicate
  --curl       print an equivalent curl command (valid for 5 minutes) instead of sending
Exit code: 0 for a 2xx answer, 1 for any other answer or no answer, 2 for a usage error.`;

const BAD_SECRET = 'WEBHOOK_SECRET must be a signing secret, whsec_<base64>';

/** The request's headers: JSON, and the delivery's signature (`webhook-id`, `-timestamp`, `-signature`). */
function signed(secret: string, id: string, body: string): Record<string, string> {
  try {
    return { 'content-type': 'application/json', ...webhookHeaders(secret, id, new Date(), body) };
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(BAD_SECRET);
    throw error;
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { id: { type: 'string' }, curl: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [url, bodyArgument, ...extra] = positionals;
  if (url === undefined || bodyArgument === undefined || extra.length > 0) {
    throw new UsageError('expected a URL and a JSON body');
  }
  if (!/^https?:\/\//.test(url)) throw new UsageError(`the URL must be http(s), got '${url}'`);
  const secret = process.env.WEBHOOK_SECRET ?? '';
  if (!secret.startsWith('whsec_')) throw new UsageError(BAD_SECRET);
  const body = bodyArgument === '-' ? readFileSync(0, 'utf8') : bodyArgument;
  const headers = signed(secret, values.id ?? `msg_${randomUUID()}`, body);

  if (values.curl) {
    const flags = Object.entries(headers).map(([name, value]) => `-H ${shellQuoted(`${name}: ${value}`)}`);
    console.log(`curl -sS -X POST ${shellQuoted(url)} ${flags.join(' ')} --data-binary ${shellQuoted(body)}`);
    return 0;
  }
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body });
  } catch (error) {
    console.error(`no answer from ${url}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  console.log(await response.text());
  if (!response.ok) console.error(`HTTP ${response.status}`);
  return response.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${HELP}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
