#!/usr/bin/env node
// `run` ignores SIGHUP until it can reload (cli/run-command.ts): registered before the CLI's modules load,
// since SIGHUP's default action would end a server that is still starting.
if (process.argv[2] === 'run') process.on('SIGHUP', () => {});

const { main } = await import('../dist/cli/main.js');

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
