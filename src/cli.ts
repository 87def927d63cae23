/** Entry point of the `fairway` command: runs the subcommand and sets the exit code. */
import { main } from './commands.js';

const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
