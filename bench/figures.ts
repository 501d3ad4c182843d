import { cpus, totalmem } from 'node:os';

/** `value` to `digits` decimals, for printed and saved figures. */
export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** The machine a run was made on, as each figures file records it. */
export function machine(): { cpus: number; cpuModel: string; memoryGiB: number; node: string } {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '',
    memoryGiB: round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/**
 * The machine of a figures file in one line, the Node.js version first: the bench prints it with its
 * figures, since the same code measures differently on another Node.
 */
export function machineLine(m: ReturnType<typeof machine>): string {
  return `Node.js ${m.node}, ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB`;
}
