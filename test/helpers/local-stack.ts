import { LOCAL_NAMES, type LocalStack } from '../../local/stack';

/** POSTs a JSON body to the local API; returns the status and the parsed answer. */
export async function postEvents(
  stack: LocalStack,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${stack.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

/** Waits until `done()` holds, checking every 50 ms; fails after `timeoutMs`. */
export async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether the main queue holds nothing: every event was applied or dead-lettered. */
export function queueDrained(stack: LocalStack): boolean {
  const queue = stack.sqs.inspect(LOCAL_NAMES.queue);
  return queue.visible + queue.inflight + queue.delayed === 0;
}

/** The dead-letter queue's messages: body and reason attributes as strings. */
export function deadLetters(stack: LocalStack) {
  return stack.sqs.inspect(LOCAL_NAMES.deadLetterQueue).messages.map((message) => ({
    body: JSON.parse(message.body) as { eventId: string; groupId: string; account: string },
    attributes: Object.fromEntries(
      Object.entries(message.attributes).map(([name, value]) => [
        name,
        'StringValue' in value ? value.StringValue : '',
      ]),
    ),
  }));
}
