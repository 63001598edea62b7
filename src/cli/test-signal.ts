/**
 * A test hook of the CLI: `OCCUPY_TEST_SIGNAL_AT=<phase>#<n>` (`#<n>` optional, default 1) makes
 * the process send itself SIGINT when the `n`-th progress report of `phase` is made (the phase's
 * start is its first report; a phase computed in steps, such as the estimate's `low-pass`, reports
 * again after each step), and then write one line to stderr for every progress report made after
 * it: `occupy-test: progress after SIGINT: <phase>`. A test then knows where the run was when the
 * signal came (an event, not a time), and that it was acted on before the run went on when no such
 * line follows. Unset (every ordinary run), nothing happens.
 */

/** The progress listener of the hook, or undefined when `OCCUPY_TEST_SIGNAL_AT` is not set. */
export function testSignalHook(env: NodeJS.ProcessEnv = process.env): ((phase: string) => void) | undefined {
  const spec = env.OCCUPY_TEST_SIGNAL_AT;
  if (!spec) return undefined;
  const at = spec.lastIndexOf('#');
  const target = at >= 0 ? spec.slice(0, at) : spec;
  const nth = at >= 0 ? Number(spec.slice(at + 1)) : 1;
  let seen = 0;
  let raised = false;
  return (phase) => {
    if (raised) {
      process.stderr.write(`occupy-test: progress after SIGINT: ${phase}\n`);
      return;
    }
    if (phase === target && ++seen === nth) {
      raised = true;
      process.stderr.write(`occupy-test: SIGINT at ${phase} #${nth}\n`);
      process.kill(process.pid, 'SIGINT');
    }
  };
}
