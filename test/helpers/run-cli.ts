/** Runs the CLI from source (tests use it as a child process: `node --import tsx run-cli.ts ...`). */
import { main } from '../../src/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
