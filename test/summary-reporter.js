// Prints one plain closing line, "tests: N passed, N failed[, N skipped]", as the very last
// line of the run (after Jest's own summary), so that a CI reading the closing lines sees it.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    const text = `${line}${skipped > 0 ? `, ${skipped} skipped` : ''}\n`;
    process.once('exit', () => process.stderr.write(text));
  }
}
module.exports = SummaryReporter;
