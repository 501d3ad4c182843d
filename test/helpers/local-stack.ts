import type { BridgeClient, EventResult } from '../../client/index.ts';
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

/** The simulator's calls whose body holds `marker` (a name card, say), and how many of them changed the member. */
export function callsSetting(stack: LocalStack, marker: string): { calls: number; applied: number } {
  const calls = (stack.simulator?.calls ?? []).filter((call) => JSON.stringify(call.body).includes(marker));
  return { calls: calls.length, applied: calls.filter((call) => call.applied).length };
}

/**
 * A fetch that answers 503 in place of the bridge's answer the first time, as a lost answer would look
 * to a client: `forward` says whether that first request got through (recorded, enqueued) or not.
 */
export function first503(forward: boolean): typeof fetch {
  let calls = 0;
  return async (input, init) => {
    calls++;
    if (calls > 1) return fetch(input, init);
    if (forward) await (await fetch(input, init)).text();
    return new Response(JSON.stringify({ message: 'the event ledger could not be reached; try again' }), {
      status: 503,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/** What became of a name card a client sent: its results, the simulator's calls, the ledger's attempts. */
export interface NameCardOutcome {
  results: EventResult[];
  /** The client's attempts. */
  attempts: number;
  /** The simulator's calls that set the name card, and how many changed the member. */
  calls: { calls: number; applied: number };
  /** The ledger item's consumer attempts and `applied` history entries. */
  ledger: { attempts: number | undefined; applied: number };
}

/**
 * Sends one `set_name_card` with `client`, waits until the simulator's member has the name card and the
 * queue is drained, and says what became of it: a test of "applied once" compares it whole.
 */
export async function sendNameCard(
  stack: LocalStack,
  client: BridgeClient,
  member: { groupId: string; account: string; nameCard: string },
): Promise<NameCardOutcome> {
  const { groupId, account, nameCard } = member;
  const { results, attempts } = await client.send({ groupId, account, action: 'set_name_card', nameCard });
  await waitFor(
    () => queueDrained(stack) && stack.simulator?.state.getMember(groupId, account)?.nameCard === nameCard,
    10_000,
    `${account}'s name card applied`,
  );
  const item = await stack.ledgerItem(results[0]?.eventId ?? '');
  return {
    results,
    attempts,
    calls: callsSetting(stack, nameCard),
    ledger: {
      attempts: item?.attempts,
      applied: (item?.history ?? []).filter((entry) => entry.outcome === 'applied').length,
    },
  };
}
