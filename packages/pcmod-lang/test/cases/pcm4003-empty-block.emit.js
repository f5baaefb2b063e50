"use strict";
const F = "pcm4003-empty-block.pcmod";
const S = [
];
function fail(e, i) {
  const at = S[i];
  const message = e instanceof Error ? e.message : String(e);
  const where = at.file + ":" + at.line + ":" + at.column;
  return Object.assign(new Error(where + ": " + message, { cause: e }), { code: "PC_ERR_SCRIPT", location: at });
}
function onRequest(x) {}
return Object.freeze({ onRequest: onRequest });
