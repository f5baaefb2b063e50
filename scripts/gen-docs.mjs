#!/usr/bin/env node
// Writes docs/stdlib.md from the stdlib declaration table (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { renderStdlibMarkdown } from '@proxycache/pcmod-lang';

const target = new URL('../docs/stdlib.md', import.meta.url);
writeFileSync(target, renderStdlibMarkdown());
console.log(`wrote ${target.pathname}`);
