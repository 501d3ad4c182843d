/**
 * The `dlq` command: argument parsing and output. The SQS work is in `dead-letters.ts`, the ledger's in
 * `ledger.ts`; the entry point that creates the clients is `dlq.ts`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoLedgerStore } from '#shared/aws';
import { UsageError } from '#shared/errors';
import { SETTINGS } from '#shared/settings';
import { findDeadLetter, listDeadLetters, type ReadOptions, sqsRedriveQueue } from './dead-letters.ts';
import { formatDetail, formatListing, formatRedrive, toJson } from './format.ts';
import { lookUpLetters } from './ledger.ts';
import { readStackOutputs } from './outputs.ts';
import { redrive } from './redrive.ts';

/** The usage text, printed by `help` and after a usage error. */
export const USAGE = `Usage: npm run dlq -- <command> [options]

Commands:
  list                    list dead-lettered events with their reason and ledger history (nothing is removed)
  show <id>               show one event in full; <id> is its event id or SQS message id
  redrive                 move every dead-lettered event back to the main queue
  redrive --ids <a,b>     move only these events (event ids or SQS message ids)
  help                    show this text

A redrive reads the dead letters one by one and, for each, first marks its ledger item redriven (a
fresh attempt budget), then sends it back to the main queue and deletes it from the dead-letter queue:
without the mark the consumer would take the event for one it had finished and drop it, so it needs the
ledger table. A letter that arrives while it runs is marked and moved too, or stays for the next run.
When the ledger cannot be read or written, the letter stays in the dead-letter queue, and so do the
later letters of the same member (their order is kept); the others are moved; the command names each
letter that stayed and exits 1: run it again once the ledger is back. A redriven event older than the
newest event applied to the same member and field is not applied again: the consumer ends it
superseded, and the redrive says so for each letter it moves.

Queues and ledger (flags win over --outputs, which wins over the environment):
  --dlq-url <url>         dead-letter queue URL              env DLQ_URL
  --queue-url <url>       main queue URL (redrive)           env QUEUE_URL
  --ledger-table <name>   event ledger table                 env LEDGER_TABLE   (list, show; redrive needs it)
  --outputs <file>        take all three from \`cdk deploy --outputs-file <file>\`
  --stack <name>          the stack in that file, when it holds several
  env LEDGER_RETENTION_DAYS   days a redriven item is kept (the stack's ledgerRetentionDays); default ${SETTINGS.consumer.ledgerRetentionDays.default}

Options:
  --max <n>                        read at most n messages (list, show, redrive); default 100 (redrive: 1000)
  --visibility-timeout <s>         seconds messages are hidden while read; default 30
  --json                           list, show: print JSON
`;

/** Where the queues and the ledger are. */
export interface QueueSettings {
  deadLetterQueueUrl?: string;
  queueUrl?: string;
  /** The event ledger's DynamoDB table name. */
  ledgerTable?: string;
}

/** A parsed command line. */
export type Command =
  | { kind: 'help' }
  | { kind: 'list'; queues: QueueSettings; read: ReadOptions; json: boolean }
  | { kind: 'show'; id: string; queues: QueueSettings; read: ReadOptions; json: boolean }
  | {
      kind: 'redrive';
      /** Only these events; all when absent. */
      ids?: string[];
      queues: QueueSettings;
      read: ReadOptions;
      ledgerRetentionDays: number;
    };

/** Dead letters `redrive` reads unless `--max` says otherwise. */
const REDRIVE_MAX = 1_000;

/** An integer environment variable within a range, or `undefined` when it is unset. */
const integerEnv = (name: string, raw: string | undefined, min: number, max: number): number | undefined => {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
};

const integerOption = (
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
};

/** Reads the queue settings of one stack from a `cdk deploy --outputs-file` file. */
function queuesFromOutputs(
  path: string,
  stack: string | undefined,
  readFile: (path: string) => string,
): QueueSettings {
  const outputs = readStackOutputs(path, stack, readFile);
  return withoutUndefined({
    deadLetterQueueUrl: outputs.DlqUrl,
    queueUrl: outputs.QueueUrl,
    ledgerTable: outputs.LedgerTable,
  });
}

const withoutUndefined = (settings: Record<keyof QueueSettings, string | undefined>): QueueSettings =>
  Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined && value !== ''));

/**
 * Parses the command line.
 *
 * @param argv - the arguments after `dlq`, e.g. `['redrive', '--ids', 'a,b']`.
 * @param env - where `DLQ_URL`, `QUEUE_URL`, `LEDGER_TABLE` and `LEDGER_RETENTION_DAYS` are read.
 * @param readFile - reads the `--outputs` file.
 * @throws {@link UsageError} for an unknown command or option, a missing argument or a bad value.
 */
export function parseCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (name === undefined || name === 'help') return { kind: 'help' };

  const fromOutputs =
    values.outputs === undefined ? {} : queuesFromOutputs(values.outputs, values.stack, readFile);
  const queues: QueueSettings = {
    ...withoutUndefined({
      deadLetterQueueUrl: env.DLQ_URL,
      queueUrl: env.QUEUE_URL,
      ledgerTable: env.LEDGER_TABLE,
    }),
    ...fromOutputs,
    ...withoutUndefined({
      deadLetterQueueUrl: values['dlq-url'],
      queueUrl: values['queue-url'],
      ledgerTable: values['ledger-table'],
    }),
  };
  const max = integerOption('max', values.max, 1, 10_000);
  const visibilityTimeoutSeconds = integerOption(
    'visibility-timeout',
    values['visibility-timeout'],
    1,
    43_200,
  );
  const read: ReadOptions = {
    ...(max === undefined ? {} : { max }),
    ...(visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeoutSeconds }),
  };
  const json = values.json === true;
  const expectArguments = (count: number, what: string): void => {
    if (rest.length !== count)
      throw new UsageError(`${name} takes ${what}; got ${rest.length === 0 ? 'none' : rest.join(' ')}`);
  };

  switch (name) {
    case 'list':
      expectArguments(0, 'no argument');
      return { kind: 'list', queues, read, json };
    case 'show': {
      expectArguments(1, 'one id');
      const [id] = rest;
      if (id === undefined || id === '') throw new UsageError('show takes one id');
      return { kind: 'show', id, queues, read, json };
    }
    case 'redrive': {
      expectArguments(0, 'no argument (use --ids a,b to choose events)');
      const retention = SETTINGS.consumer.ledgerRetentionDays;
      const ledgerRetentionDays =
        integerEnv('LEDGER_RETENTION_DAYS', env.LEDGER_RETENTION_DAYS, retention.min, retention.max) ??
        retention.default;
      const ids = values.ids
        ?.split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      if (ids !== undefined && ids.length === 0) throw new UsageError('--ids needs at least one id');
      return {
        kind: 'redrive',
        ...(ids === undefined ? {} : { ids }),
        queues,
        read: { max: REDRIVE_MAX, ...read },
        ledgerRetentionDays,
      };
    }
    default:
      throw new UsageError(`unknown command '${name}'`);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      'dlq-url': { type: 'string' },
      'queue-url': { type: 'string' },
      'ledger-table': { type: 'string' },
      outputs: { type: 'string' },
      stack: { type: 'string' },
      max: { type: 'string' },
      'visibility-timeout': { type: 'string' },
      ids: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
}

/** What running a command needs. */
export interface CliDependencies {
  sqs: SQSClient;
  /** The client of the ledger table, used only when a table is given. */
  dynamodb: DynamoDBClient;
  /** Prints one line of output. */
  out: (line: string) => void;
  /** The clock of the `redriven` marks, in epoch milliseconds. @default Date.now */
  now?: () => number;
}

const need = (value: string | undefined, what: string): string => {
  if (value === undefined) throw new UsageError(`${what} is not set`);
  return value;
};
const dlqUrlOf = (queues: QueueSettings): string =>
  need(queues.deadLetterQueueUrl, 'the dead-letter queue URL (--dlq-url, --outputs or DLQ_URL)');
const queueUrlOf = (queues: QueueSettings): string =>
  need(queues.queueUrl, 'the main queue URL (--queue-url, --outputs or QUEUE_URL)');
/** The ledger, when a table is given. */
const ledgerOf = (queues: QueueSettings, deps: CliDependencies): DynamoLedgerStore | undefined =>
  queues.ledgerTable === undefined ? undefined : new DynamoLedgerStore(deps.dynamodb, queues.ledgerTable);
/** The ledger, which a redrive needs. */
const redriveLedgerOf = (queues: QueueSettings, deps: CliDependencies): DynamoLedgerStore =>
  new DynamoLedgerStore(
    deps.dynamodb,
    need(
      queues.ledgerTable,
      'the ledger table (--ledger-table, --outputs or LEDGER_TABLE), which a redrive marks each event redriven in first,',
    ),
  );

/**
 * Runs a parsed command.
 * @returns the process exit code: 0 done, 1 something was not found or not moved.
 */
export async function runCommand(command: Command, deps: CliDependencies): Promise<number> {
  const { sqs, out } = deps;
  switch (command.kind) {
    case 'help':
      out(USAGE);
      return 0;
    case 'list': {
      const listing = await listDeadLetters(sqs, dlqUrlOf(command.queues), command.read);
      const lookup = await lookUpLetters(listing.letters, ledgerOf(command.queues, deps));
      if (command.json) {
        out(
          JSON.stringify(
            {
              ...listing,
              ledger: lookup.kind === 'unavailable' ? { unavailable: lookup.error } : lookup.kind,
              letters: listing.letters.map((letter) => toJson(letter, lookup)),
            },
            null,
            2,
          ),
        );
      } else {
        for (const line of formatListing(listing, lookup)) out(line);
      }
      return 0;
    }
    case 'show': {
      const letter = await findDeadLetter(sqs, dlqUrlOf(command.queues), command.id, command.read);
      if (letter === undefined) {
        out(`No dead letter with event id or message id '${command.id}' among those read (see --max).`);
        return 1;
      }
      const lookup = await lookUpLetters([letter], ledgerOf(command.queues, deps));
      if (command.json) out(JSON.stringify(toJson(letter, lookup), null, 2));
      else for (const line of formatDetail(letter, lookup)) out(line);
      return 0;
    }
    case 'redrive': {
      const ledger = redriveLedgerOf(command.queues, deps);
      const result = await redrive(
        sqsRedriveQueue(sqs, {
          deadLetterQueueUrl: dlqUrlOf(command.queues),
          queueUrl: queueUrlOf(command.queues),
          ...(command.read.visibilityTimeoutSeconds === undefined
            ? {}
            : { visibilityTimeoutSeconds: command.read.visibilityTimeoutSeconds }),
        }),
        ledger,
        {
          ...(command.ids === undefined ? {} : { ids: command.ids }),
          max: command.read.max ?? REDRIVE_MAX,
          now: deps.now ?? Date.now,
          retentionDays: command.ledgerRetentionDays,
        },
      );
      for (const line of formatRedrive(result)) out(line);
      return result.failed.length === 0 && result.notFound.length === 0 ? 0 : 1;
    }
  }
}
