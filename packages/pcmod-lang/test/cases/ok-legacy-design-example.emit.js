"use strict";
const F = "ok-legacy-design-example.pcmod";
const S = [
  { file: F, line: 13, column: 3 },
  { file: F, line: 14, column: 5 },
  { file: F, line: 15, column: 5 },
  { file: F, line: 17, column: 3 },
  { file: F, line: 18, column: 5 },
  { file: F, line: 20, column: 3 },
  { file: F, line: 21, column: 3 },
  { file: F, line: 25, column: 3 },
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
const c0 = config["greeting"];
const L0 = S[5];
function onRequest(x) {
  let s = 0;
  try {
    s = 0; if ((x.path === "/hello")) {
      s = 1; x.setHeader("on_request", "X-Greeting", c0);
      s = 2; x.respond(200, "text/plain; charset=utf-8", ("Hello, " + c0 + "!")); return;
    }
    s = 3; if ((x.path === "/health")) {
      s = 4; x.respond(200, "application/json", "{}"); return;
    }
    s = 5; b.log("info", "hello world", L0, x);
    s = 6; return guard(f0(x), 6);
  } catch (e) {
    throw fail(e, s);
  }
}
function onResponse(x) {
  let s = 0;
  try {
    s = 7; x.setHeader("on_response", "X-Processed", String(true));
  } catch (e) {
    throw fail(e, s);
  }
}
return Object.freeze({ onRequest: onRequest, onResponse: onResponse });
