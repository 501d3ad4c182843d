/**
 * The README's five-minute tour, run as a reader runs it: `npm start`, then each command of the tour's
 * shell blocks in order (through `sh`, with the exports before it), with this start's addresses in place
 * of the README's. Each answer must have the shape the README shows under its command, `...` standing
 * for anything; a command that reads is asked again until it does (the consumer works on its own time),
 * one that changes something is run once.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { newcomerEnv, npmStartOnFreePorts, waitForOutput } from '../helpers/child-process';
import { codeBlocksOf, ROOT, readDoc, sectionOf } from '../helpers/docs';
import { runShellLine } from '../helpers/send-command';

/** One command of the tour and the answer the README shows under it (empty: none shown). */
interface Step {
  command: string;
  shown: string;
}

/** The tour's commands, in order: a command is its lines up to one not ending in `\`. */
function stepsOf(blocks: readonly string[]): Step[] {
  const steps: Step[] = [];
  for (const block of blocks) {
    const lines = block.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] ?? '';
      if (line === '') continue;
      if (line.startsWith('#')) {
        const step = steps.at(-1);
        if (step === undefined) throw new Error(`an answer before any command: ${line}`);
        step.shown += `${step.shown === '' ? '' : '\n'}${line.replace(/^# ?/, '')}`;
        continue;
      }
      let command = line;
      while (command.endsWith('\\') && index + 1 < lines.length) command += `\n${lines[++index] ?? ''}`;
      steps.push({ command, shown: '' });
    }
  }
  return steps;
}

/** A pattern of a shown answer: the text itself, with `...` standing for anything. */
function patternOf(shown: string): RegExp {
  const parts = shown.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]*?')}$`);
}

/** The origin (`http://127.0.0.1:N`) that follows a line's label in a start banner. */
function originAfter(banner: string, label: string): string {
  const origin = new RegExp(
    `^  ${label} +(?:POST |DynamoDB table \\S+ at )?(http://127\\.0\\.0\\.1:\\d+)`,
    'm',
  ).exec(banner)?.[1];
  if (origin === undefined) throw new Error(`no ${label} line in: ${banner}`);
  return origin;
}

const LABELS = ['API', 'Tencent', 'SQS', 'Ledger'] as const;

describe("the README's five-minute tour", () => {
  const tour = sectionOf(readDoc('README.md'), '## A five-minute tour');
  const steps = stepsOf(codeBlocksOf(tour, 'sh'));
  const [shownBanner = ''] = codeBlocksOf(tour, 'text');
  let child: ChildProcessWithoutNullStreams;
  let banner: string;

  beforeAll(async () => {
    child = spawn(process.execPath, npmStartOnFreePorts(), { cwd: ROOT, env: newcomerEnv() });
    banner = await waitForOutput(child, /Ctrl-C stops it/);
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  });

  it('has commands to run, each read or write with the answer it shows', () => {
    expect(steps.length).toBeGreaterThanOrEqual(10);
    expect(steps.filter((step) => step.command.includes('npm run -s dlq --'))).toHaveLength(2);
    expect(steps.filter((step) => !step.command.startsWith('export ') && step.shown === '')).toEqual([]);
  });

  it('gives every answer it shows, in order, against npm start', async () => {
    // Prepare: the README's addresses (its banner) and this start's.
    const addresses = new Map(
      LABELS.map((label) => [originAfter(shownBanner, label), originAfter(banner, label)]),
    );
    const shownAddress = new RegExp(
      [...addresses.keys()].map((origin) => origin.replaceAll('.', '\\.')).join('|'),
      'g',
    );
    const here = (text: string) => text.replace(shownAddress, (origin) => addresses.get(origin) ?? origin);
    const env = newcomerEnv();
    const exports: string[] = [];

    for (const { command, shown } of steps) {
      if (command.startsWith('export ')) {
        exports.push(here(command));
        continue;
      }
      const reads = !/-X POST|dlq -- redrive/.test(command);
      const pattern = patternOf(shown);
      const deadline = Date.now() + 20_000;

      // Act: a read until its answer has the shape shown (or the deadline), a write once.
      let stdout = '';
      for (;;) {
        const result = await runShellLine([...exports, here(command)].join('\n'), env);
        stdout = result.stdout.trimEnd();
        if (result.code === 0 && pattern.test(stdout)) break;
        if (!reads || Date.now() > deadline) break;
        await new Promise((done) => setTimeout(done, 250));
      }

      // Assess
      expect({ command, stdout }).toEqual({ command, stdout: expect.stringMatching(pattern) });
    }
  }, 180_000);
});
