import { it } from 'vitest';
import { diagnosticsOf } from './helpers.js';
const cases = [
  'mod m\non_request {\n  respond 200 "abc\n  pass\n}\n',
  'mod m\non_request {\n  respond 200 @ "x"\n}\n',
  'mod m\non_request {\n  respond 200 "a\\qb"\n}\n',
  'mod m\non_request {\n  respond 200 "a ${} b"\n}\n',
  'mod m\non_request {\n  respond 200 "a ${x == } b"\n}\n',
  'mod m\non_request {\n  respond 200 "a ${x y} b"\n}\n',
  'mod m\non_request {\n  respond 200 "a ${x"\n}\n',
  'mod m\non_request {\n  respond 99999999999999999999\n}\n',
  'mod m\nconfig {\n  t duration 5parsecs\n}\n',
  'mod m\non_request {\n  if path == {\n    pass\n  }\n}\non_response {\n  pass\n}\n',
  'mod m\non_request {\n  pass\n\non_response {\n  pass\n}\n',
  'mod m\non_request {\n  pass\n',
  'mod m\nconfig {\n  a int 1\non_request {\n  pass\n}\n',
  'mod m\non_request {\n  let x 1\n  respond 200 (1\n  respond 200 [1, 2\n  std.x(1, 2\n}\n',
  'mod m\non_request {\n  if a == b == c {\n  }\n  respond 200 text "a" extra words\n}\n',
  'mod m\nconfig {\n  a list<int 1\n  b map { "a" "b" }\n}\n',
  'mod m\non_request {\n  respond 200 "${((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))}"\n}\n',
  'mod m\non_request {\n  set_ctx ctx.a 1\n  ctx.a\n  else { }\n}\n',
];
it('x', () => { for (const c of cases) console.log('----\n' + c + diagnosticsOf(c).join('\n')); });
