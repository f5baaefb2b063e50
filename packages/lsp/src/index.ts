/** Public API of the pcmod language server: the stdio entry point and the service factory. */
export { startServer } from './main.js';
export { createServer, type ServerOptions } from './server.js';
