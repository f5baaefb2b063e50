#!/usr/bin/env node
// Regenerates the generated parts of the docs (run by `npm run docs`, after the build):
// docs/stdlib.md from the stdlib declaration table, and the diagnostic catalogue in docs/pcmod.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { catalogue, compile, renderStdlibMarkdown } from '@proxycache/pcmod-lang';
import { renderCatalogue, withCatalogue } from './render-catalogue.mjs';

const stdlib = new URL('../docs/stdlib.md', import.meta.url);
writeFileSync(stdlib, renderStdlibMarkdown());
const pcmod = new URL('../docs/pcmod.md', import.meta.url);
writeFileSync(pcmod, withCatalogue(readFileSync(pcmod, 'utf8'), renderCatalogue({ compile, catalogue })));
console.log('wrote docs/stdlib.md and the catalogue of docs/pcmod.md');
