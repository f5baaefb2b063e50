"use strict";
const F = "pcm3004-unreachable.pcmod";
const S = [
  { file: F, line: 4, column: 3 },
];
function fail(e, i) {
  const at = S[i];
  const message = e instanceof Error ? e.message : String(e);
  const where = at.file + ":" + at.line + ":" + at.column;
  return Object.assign(new Error(where + ": " + message, { cause: e }), { code: "PC_ERR_SCRIPT", location: at });
}
function onRequest(x) {
  let s = 0;
  try {
    s = 0; x.respond(200, "text/plain; charset=utf-8", "done"); return;
  } catch (e) {
    throw fail(e, s);
  }
}
return Object.freeze({ onRequest: onRequest });
