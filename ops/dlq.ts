/**
 * `npm run dlq -- list|show <id>|redrive [--ids a,b] [--max-number-per-second N]|status`
 *
 * Inspects and redrives the bridge's dead-letter queue with the caller's AWS credentials and region
 * (the SDK's usual chain: AWS_PROFILE, AWS_REGION, ...; AWS_ENDPOINT_URL works too). See `cli.ts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { UsageError } from '#shared/errors';
import { parseCommand, runCommand, USAGE } from './cli.ts';

/** One client per service for the process, configured only by the environment: no endpoint or region in code. */
const sqs = new SQSClient({});
const dynamodb = new DynamoDBClient({});

async function main(): Promise<number> {
  try {
    const command = parseCommand(process.argv.slice(2), process.env);
    return await runCommand(command, { sqs, dynamodb, out: (line) => console.log(line) });
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`dlq: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`dlq: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
