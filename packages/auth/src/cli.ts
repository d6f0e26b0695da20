#!/usr/bin/env node
import { runTokenCommand } from './token-command.js';

const { exitCode, stdout, stderr } = await runTokenCommand(process.argv.slice(2), process.env);
process.stdout.write(stdout);
process.stderr.write(stderr);
process.exitCode = exitCode;
