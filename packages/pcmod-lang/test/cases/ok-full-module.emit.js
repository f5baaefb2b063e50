"use strict";
const F = "ok-full-module.pcmod";
const S = [
  { file: F, line: 17, column: 3 },
  { file: F, line: 18, column: 3 },
  { file: F, line: 19, column: 5 },
  { file: F, line: 20, column: 5 },
  { file: F, line: 21, column: 5 },
  { file: F, line: 22, column: 26 },
  { file: F, line: 22, column: 5 },
  { file: F, line: 23, column: 5 },
  { file: F, line: 25, column: 3 },
  { file: F, line: 26, column: 5 },
  { file: F, line: 28, column: 3 },
  { file: F, line: 29, column: 3 },
  { file: F, line: 33, column: 3 },
  { file: F, line: 34, column: 5 },
  { file: F, line: 36, column: 3 },
];
function fail(e, i) {
  const at = S[i];
  const message = e instanceof Error ? e.message : String(e);
  const where = at.file + ":" + at.line + ":" + at.column;
  return Object.assign(new Error(where + ": " + message, { cause: e }), { code: "PC_ERR_SCRIPT", location: at });
}
function rx(p, i) {
  try {
    return new RegExp(p);
  } catch (e) {
    throw fail(e, i);
  }
}
const f0 = b.fns["header"];
const f1 = b.fns["query_param"];
const f2 = b.fns["std.url_rewrite"];
const c0 = config["blocked"];
const c1 = config["api_prefix"];
const c2 = config["pattern"];
const c3 = config["rules"];
const r0 = rx(c2, 5);
const L0 = S[9];
function onRequest(x) {
  let s = 0;
  try {
    s = 0; const v0 = f0(x, "User-Agent");
    s = 1; if (c0.includes(x.path)) {
      s = 2; x.respond(403, "application/json", "{\"error\":\"forbidden\"}"); return;
    } else if ((s = 3, (x.path.startsWith(c1) && (x.method === "OPTIONS")))) {
      s = 4; x.respond(204, undefined, undefined); return;
    } else if ((s = 6, r0.test(x.path))) {
      s = 7; x.ctxSet("kind", "static");
    }
    s = 8; if ((v0.includes("curl") || (f1(x, "debug") === "1"))) {
      s = 9; b.log("debug", ("debug request from " + x.client_ip + " to " + c1), L0, x);
    }
    s = 10; x.setHeader("on_request", "X-Edge", "on");
    s = 11; f2(x, c3);
  } catch (e) {
    throw fail(e, s);
  }
}
function onResponse(x) {
  let s = 0;
  try {
    s = 12; if (((x.status >= 500) && (x.ctxGet("kind") === "static"))) {
      s = 13; x.setHeader("on_response", "Cache-Control", "no-store");
    }
    s = 14; x.removeHeader("on_response", "Server");
  } catch (e) {
    throw fail(e, s);
  }
}
return Object.freeze({ onRequest: onRequest, onResponse: onResponse });
