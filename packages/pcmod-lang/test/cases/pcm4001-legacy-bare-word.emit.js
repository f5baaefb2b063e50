"use strict";
const F = "pcm4001-legacy-bare-word.pcmod";
const S = [
  { file: F, line: 8, column: 3 },
  { file: F, line: 9, column: 5 },
  { file: F, line: 14, column: 3 },
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
    s = 0; if ((x.path === "/health")) {
      s = 1; x.respond(200, "application/json", "{}"); return;
    }
  } catch (e) {
    throw fail(e, s);
  }
}
function onResponse(x) {
  let s = 0;
  try {
    s = 2; x.setHeader("on_response", "X-Processed", String(true));
  } catch (e) {
    throw fail(e, s);
  }
}
return Object.freeze({ onRequest: onRequest, onResponse: onResponse });
