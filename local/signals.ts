/**
 * Stops a local server on Ctrl-C (SIGINT) or SIGTERM: says so, runs `close` once (a second signal
 * while closing is ignored), then exits 0, or 1 if closing failed.
 */
export function closeOnSignals(close: () => Promise<void>, announce: (signal: string) => string): void {
  let closing = false;
  const stop = (signal: string): void => {
    if (closing) return;
    closing = true;
    console.log(`\n${announce(signal)}`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('could not stop cleanly:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
