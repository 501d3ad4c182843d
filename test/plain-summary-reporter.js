/**
 * Prints the Node.js that ran the tests (jest's workers run on the same one), then the run's totals as
 * one plain line ("N passed, N failed"), which tools that read a test run's closing line understand
 * whatever the runner. Jest's own summary stays as it is.
 */
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    process.stdout.write(
      `\nran on Node.js ${process.version}\n${skipped > 0 ? `${line}, ${skipped} skipped` : line}\n`,
    );
  }
}

module.exports = PlainSummaryReporter;
