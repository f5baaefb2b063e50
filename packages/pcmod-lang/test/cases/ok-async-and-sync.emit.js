"use strict";
const F = "ok-async-and-sync.pcmod";
const S = [
  { file: F, line: 4, column: 3 },
  { file: F, line: 5, column: 5 },
  { file: F, line: 7, column: 3 },
  { file: F, line: 11, column: 3 },
];
function fail(e, i) {
  const at = S[i];
  const message = e instanceof Error ? e.message : String(e);
  const where = at.file + ":" + at.line + ":" + at.column;
  return Object.assign(new Error(where + ": " + message, { cause: e }), { code: "PC_ERR_SCRIPT", location: at });
}
function guard(p, i) {
  return Promise.resolve(p).then(() => {}, (e) => {
    throw fail(e, i);
  });
}
const f0 = b.fns["std.proxy.forward"];
function onRequest(x) {
  let s = 0;
  try {
    s = 0; if ((x.path === "/sync")) {
      s = 1; x.respond(200, "text/plain; charset=utf-8", "sync handler"); return;
    }
    s = 2; return guard(f0(x, "127.0.0.1:8080"), 2);
  } catch (e) {
    throw fail(e, s);
  }
}
function onResponse(x) {
  let s = 0;
  try {
    s = 3; x.setHeader("on_response", "X-Status", String(x.status));
  } catch (e) {
    throw fail(e, s);
  }
}
return Object.freeze({ onRequest: onRequest, onResponse: onResponse });
