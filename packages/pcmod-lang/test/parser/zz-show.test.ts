import { it } from 'vitest';
import { parse } from '../../src/parser/parse.js';
import { designExample } from './design-example.test.js';
it('x', () => { const a = parse(designExample, 'f').ast; console.log(designExample.split('\n').map((l, i) => `${i + 1}|${l}`).join('\n')); console.log(JSON.stringify(a.comments.map(c=>c.range))); });
