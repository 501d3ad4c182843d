/**
 * The `dlq` command: argument parsing and output. The SQS work is in `dead-letters.ts`, the ledger's in
 * `ledger.ts`; the entry point that creates the clients is `dlq.ts`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoLedgerStore } from '#shared/aws/dynamodb';
import { SETTINGS } from '#shared/settings';
import {
  findDeadLetter,
  listDeadLetters,
  listMoveTasks,
  type MoveTaskProgress,
  queueArnOf,
  type ReadOptions,
  redriveSelected,
  startRedriveAll,
  watchMoveTask,
} from './dead-letters.ts';
import { formatDetail, formatListing, formatProgress, reasonLine, toJson } from './format.ts';
import { lookUpLetters, MarkRedrivenError, markLetterRedriven } from './ledger.ts';
import { readStackOutputs, UsageError } from './outputs.ts';

export { UsageError };

/** The usage text, printed by `help` and after a usage error. */
export const USAGE = `Usage: npm run dlq -- <command> [options]

Commands:
  list                    list dead-lettered events with their reason and ledger history (nothing is removed)
  show <id>               show one event in full; <id> is its event id or SQS message id
  redrive                 move every dead-lettered event back to the main queue (SQS message move task)
  redrive --ids <a,b>     move only these events (event ids or SQS message ids)
  status                  show the dead-letter queue's recent move tasks
  help                    show this text

A redrive first marks each event's ledger item redriven (a fresh attempt budget); without that the
consumer would take the event for one it had finished and drop it. So it needs the ledger table.

Queues and ledger (flags win over --outputs, which wins over the environment):
  --dlq-url <url>         dead-letter queue URL              env DLQ_URL
  --queue-url <url>       main queue URL (redrive --ids)     env QUEUE_URL
  --dlq-arn <arn>         dead-letter queue ARN              env DLQ_ARN    (else looked up from the URL)
  --queue-arn <arn>       main queue ARN (redrive)           env QUEUE_ARN  (else looked up from the URL)
  --ledger-table <name>   event ledger table                 env LEDGER_TABLE   (list, show; redrive needs it)
  --outputs <file>        take all five from \`cdk deploy --outputs-file <file>\`
  --stack <name>          the stack in that file, when it holds several
  env LEDGER_RETENTION_DAYS   days a redriven item is kept (the stack's ledgerRetentionDays); default ${SETTINGS.consumer.ledgerRetentionDays.default}

Options:
  --max <n>                        read at most n messages (list, show, redrive); default 100 (redrive: 1000)
  --visibility-timeout <s>         seconds messages are hidden while read; default 30
  --max-number-per-second <n>      redrive rate, 1-500; default: chosen by SQS
  --no-wait                        redrive: return once the move task has started
  --json                           list, show: print JSON
`;

/**
 * Where the queues and the ledger are; unresolved ARNs are looked up from the URLs when a command needs
 * them.
 */
export interface QueueSettings {
  deadLetterQueueUrl?: string;
  queueUrl?: string;
  deadLetterQueueArn?: string;
  queueArn?: string;
  /** The event ledger's DynamoDB table name. */
  ledgerTable?: string;
}

/** A parsed command line. */
export type Command =
  | { kind: 'help' }
  | { kind: 'list'; queues: QueueSettings; read: ReadOptions; json: boolean }
  | { kind: 'show'; id: string; queues: QueueSettings; read: ReadOptions; json: boolean }
  | {
      kind: 'redrive-all';
      queues: QueueSettings;
      read: ReadOptions;
      ledgerRetentionDays: number;
      maxNumberOfMessagesPerSecond?: number;
      wait: boolean;
    }
  | {
      kind: 'redrive-selected';
      ids: string[];
      queues: QueueSettings;
      read: ReadOptions;
      ledgerRetentionDays: number;
    }
  | { kind: 'status'; queues: QueueSettings };

/** Dead letters `redrive` reads (to mark their ledger items) unless `--max` says otherwise. */
const REDRIVE_ALL_MAX = 1_000;

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
    deadLetterQueueArn: outputs.DlqArn,
    queueArn: outputs.QueueArn,
    ledgerTable: outputs.LedgerTable,
  });
}

const withoutUndefined = (settings: Record<keyof QueueSettings, string | undefined>): QueueSettings =>
  Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined && value !== ''));

/**
 * Parses the command line.
 *
 * @param argv - the arguments after `dlq`, e.g. `['redrive', '--ids', 'a,b']`.
 * @param env - where `DLQ_URL`, `QUEUE_URL`, `DLQ_ARN`, `QUEUE_ARN`, `LEDGER_TABLE` and
 *   `LEDGER_RETENTION_DAYS` are read.
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
      deadLetterQueueArn: env.DLQ_ARN,
      queueArn: env.QUEUE_ARN,
      ledgerTable: env.LEDGER_TABLE,
    }),
    ...fromOutputs,
    ...withoutUndefined({
      deadLetterQueueUrl: values['dlq-url'],
      queueUrl: values['queue-url'],
      deadLetterQueueArn: values['dlq-arn'],
      queueArn: values['queue-arn'],
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
      if (values.ids !== undefined) {
        const ids = values.ids
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id !== '');
        if (ids.length === 0) throw new UsageError('--ids needs at least one id');
        return { kind: 'redrive-selected', ids, queues, read, ledgerRetentionDays };
      }
      const rate = integerOption('max-number-per-second', values['max-number-per-second'], 1, 500);
      return {
        kind: 'redrive-all',
        queues,
        read: { max: REDRIVE_ALL_MAX, ...read },
        ledgerRetentionDays,
        wait: values['no-wait'] !== true,
        ...(rate === undefined ? {} : { maxNumberOfMessagesPerSecond: rate }),
      };
    }
    case 'status':
      expectArguments(0, 'no argument');
      return { kind: 'status', queues };
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
      'dlq-arn': { type: 'string' },
      'queue-arn': { type: 'string' },
      'ledger-table': { type: 'string' },
      outputs: { type: 'string' },
      stack: { type: 'string' },
      max: { type: 'string' },
      'visibility-timeout': { type: 'string' },
      'max-number-per-second': { type: 'string' },
      ids: { type: 'string' },
      'no-wait': { type: 'boolean' },
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
  /** Waits between progress reports; tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
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
async function dlqArnOf(sqs: SQSClient, queues: QueueSettings): Promise<string> {
  return queues.deadLetterQueueArn ?? queueArnOf(sqs, dlqUrlOf(queues));
}
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
    case 'redrive-all': {
      const ledger = redriveLedgerOf(command.queues, deps);
      const deadLetterQueueArn = await dlqArnOf(sqs, command.queues);
      const queueArn = command.queues.queueArn ?? (await queueArnOf(sqs, queueUrlOf(command.queues)));
      // The move task moves whatever is in the queue: every letter must be read and marked first.
      const listing = await listDeadLetters(sqs, dlqUrlOf(command.queues), command.read);
      const unread = listing.approximateCount + listing.approximateInFlight - listing.letters.length;
      if (unread > 0) {
        out(
          `Nothing was moved: the queue reports about ${listing.approximateCount + listing.approximateInFlight} dead letters (${listing.approximateInFlight} held by another reader or a move task) and ${listing.letters.length} could be read, but a redrive must mark each one redriven in the ledger before it moves. Raise --max, wait for other readers (the counts lag by about a minute), or redrive in steps with --ids (a FIFO queue shows at most 10 messages of a member at once).`,
        );
        return 1;
      }
      const nowMs = (deps.now ?? Date.now)();
      let marked = 0;
      for (const letter of listing.letters) {
        try {
          if (await markLetterRedriven(letter, ledger, { nowMs, retentionDays: command.ledgerRetentionDays }))
            marked++;
        } catch (error) {
          if (!(error instanceof MarkRedrivenError)) throw error;
          out(
            `Nothing was moved: ${error.message}. ${marked} item(s) already marked say redriven while their events are still dead letters; redrive again once the ledger can be written.`,
          );
          return 1;
        }
      }
      out(`Marked ${marked} event(s) redriven in the ledger.`);
      const taskHandle = await startRedriveAll(sqs, {
        deadLetterQueueArn,
        queueArn,
        ...(command.maxNumberOfMessagesPerSecond === undefined
          ? {}
          : { maxNumberOfMessagesPerSecond: command.maxNumberOfMessagesPerSecond }),
      });
      out(`Started moving ${deadLetterQueueArn} -> ${queueArn} (task handle ${taskHandle}).`);
      if (!command.wait) {
        out('Follow it with: npm run dlq -- status');
        return 0;
      }
      let last = '';
      const final = await watchMoveTask(sqs, deadLetterQueueArn, {
        onProgress: (progress: MoveTaskProgress) => {
          const line = formatProgress(progress);
          if (line !== last) out(line);
          last = line;
        },
        ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
      });
      return final.status === 'COMPLETED' ? 0 : 1;
    }
    case 'redrive-selected': {
      const ledger = redriveLedgerOf(command.queues, deps);
      const now = deps.now ?? Date.now;
      const result = await redriveSelected(sqs, {
        deadLetterQueueUrl: dlqUrlOf(command.queues),
        queueUrl: queueUrlOf(command.queues),
        ids: command.ids,
        ...command.read,
        beforeSend: async (letter) => {
          await markLetterRedriven(letter, ledger, {
            nowMs: now(),
            retentionDays: command.ledgerRetentionDays,
          });
        },
      });
      for (const letter of result.moved) {
        const group = typeof letter.event?.groupId === 'string' ? letter.event.groupId : '-';
        out(`moved   ${letter.eventId ?? '-'} (message ${letter.messageId}), group ${group}`);
      }
      for (const { letter, error } of result.failed) {
        out(`FAILED  ${letter.eventId ?? '-'} (message ${letter.messageId}): ${error}`);
        out(`        it was dead-lettered because: ${reasonLine(letter)}`);
      }
      for (const id of result.notFound) out(`missing ${id}: no dead letter read has this id (see --max)`);
      out(
        `${result.moved.length} moved, ${result.failed.length} failed, ${result.notFound.length} not found.`,
      );
      return result.failed.length === 0 && result.notFound.length === 0 ? 0 : 1;
    }
    case 'status': {
      const tasks = await listMoveTasks(sqs, await dlqArnOf(sqs, command.queues));
      if (tasks.length === 0) out('No move task in the last 14 days.');
      for (const task of tasks) out(formatProgress(task));
      return 0;
    }
  }
}
