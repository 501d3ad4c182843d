import { machine, machineLine } from '../../../bench/figures.ts';

describe('the machine line the bench prints with its figures', () => {
  it('names the Node.js that produced them first, then the CPUs and memory', () => {
    // Act
    const line = machineLine(machine());

    // Assess
    expect(line.startsWith(`Node.js ${process.version}, `)).toBe(true);
    expect(line).toMatch(/, \d+ CPUs \(.*\), [\d.]+ GiB$/);
  });
});
