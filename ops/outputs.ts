/**
 * What the operator commands (`npm run dlq`, `npm run send`) share: reading one stack's outputs from a
 * `cdk deploy --outputs-file` file. A mistake in it is a {@link UsageError} (`#shared/errors`), which the
 * commands print with their usage text, exiting with 2.
 */
import { UsageError } from '#shared/errors';

/**
 * The string outputs of one stack in a `cdk deploy --outputs-file` file (`{"<stack>": {"<key>": "<value>"}}`):
 * the stack named `stack`, or the only one the file holds.
 *
 * @param path - the file, as given to `--outputs` (for messages)
 * @param readFile - reads it
 * @throws {@link UsageError} when the file cannot be read or parsed, or the stack is not chosen or absent
 */
export function readStackOutputs(
  path: string,
  stack: string | undefined,
  readFile: (path: string) => string,
): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(path));
  } catch (error) {
    throw new UsageError(
      `cannot read --outputs ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object')
    throw new UsageError(`--outputs ${path} is not a JSON object`);
  const stacks = parsed as Record<string, Record<string, unknown> | undefined>;
  const names = Object.keys(stacks);
  const name = stack ?? (names.length === 1 ? names[0] : undefined);
  const outputs = name === undefined ? undefined : stacks[name];
  if (name === undefined || outputs === undefined) {
    throw new UsageError(`choose a stack with --stack; ${path} holds: ${names.join(', ') || 'none'}`);
  }
  return Object.fromEntries(
    Object.entries(outputs).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
