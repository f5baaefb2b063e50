// The conformance suite and its fetch ship no type declarations; suite.ts narrows what it uses.
declare module 'http-cache-tests/tests/index.mjs';
declare module 'http-cache-tests/tests/surrogate-control.mjs';
declare module 'http-cache-tests/client/runner.mjs';
declare module 'node-fetch';
