/**
 * `npm run send -- <action> --group <id> --account <id> [fields]` and `npm run send -- status <eventId>`
 *
 * Sends one moderation event to the bridge with the typed client (`client/`), or shows its status.
 * See `send-cli.ts` for the flags, the environment and the exit codes.
 */

import { UsageError } from '#shared/errors';
import { EXIT, parseSendCommand, runSendCommand, USAGE } from './send-cli.ts';

async function main(): Promise<number> {
  try {
    const command = parseSendCommand(process.argv.slice(2), process.env);
    return await runSendCommand(command, {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
    });
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`send: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    console.error(`send: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return EXIT.failed;
  }
}

main().then((code) => {
  process.exitCode = code;
});
