"use strict";
const F = "ok-async-continuations.pcmod";
const S = [
  { file: F, line: 11, column: 3 },
  { file: F, line: 12, column: 3 },
  { file: F, line: 13, column: 3 },
  { file: F, line: 14, column: 3 },
  { file: F, line: 15, column: 3 },
  { file: F, line: 16, column: 5 },
  { file: F, line: 17, column: 5 },
  { file: F, line: 18, column: 7 },
  { file: F, line: 19, column: 7 },
  { file: F, line: 20, column: 7 },
  { file: F, line: 22, column: 7 },
  { file: F, line: 24, column: 5 },
  { file: F, line: 25, column: 5 },
  { file: F, line: 26, column: 5 },
  { file: F, line: 28, column: 3 },
  { file: F, line: 29, column: 3 },
  { file: F, line: 30, column: 5 },
  { file: F, line: 32, column: 3 },
];
function fail(e, i) {
  if (i < 0) return e;
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
const f0 = b.fns["header"];
const f1 = b.fns["len"];
const f2 = b.fns["std.admin.config_verify"];
const f3 = b.fns["std.metrics.prometheus"];
const f4 = b.fns["std.proxy.forward"];
const c0 = config["hosts"];
const c1 = config["ttl"];
function onRequest(x) {
  let s = 0;
  try {
    s = 0; const v0 = f0(x, "User-Agent");
    s = 1; const v1 = f1(x, v0);
    s = 2; const v2 = v0.includes("curl");
    s = 3; const v3 = c0;
    s = 4; if ((x.path === "/verify")) {
      s = 5; const v4 = c1;
      s = 6; if ((x.method === "GET")) {
        return (async () => {
          try {
            s = 7; x.ctxSet("verified", (await f2(x)));
            s = -1; return next1(x, v0, v1, v2, v3, v4);
          } catch (e) {
            throw fail(e, s);
          }
        })();
      } else {
        return (async () => {
          try {
            if ((s = 8, ((await f2(x)) === "ok"))) {
              s = 9; x.ctxSet("verified", "post");
            } else {
              s = 10; x.respond(409, "text/plain; charset=utf-8", (await f2(x))); return;
            }
            s = -1; return next1(x, v0, v1, v2, v3, v4);
          } catch (e) {
            throw fail(e, s);
          }
        })();
      }
    } else if ((s = 12, (x.path === "/metrics"))) {
      return (async () => {
        try {
          s = 13; x.respond(200, "text/plain; version=0.0.4", (await f3(x))); return;
        } catch (e) {
          throw fail(e, s);
        }
      })();
    }
    s = -1; return next0(x, v0, v1, v2, v3);
  } catch (e) {
    throw fail(e, s);
  }
}
function next1(x, v0, v1, v2, v3, v4) {
  let s = 0;
  try {
    s = 11; x.setHeader("on_request", "X-Wait", String(v4));
    s = -1; return next0(x, v0, v1, v2, v3);
  } catch (e) {
    throw fail(e, s);
  }
}
function next0(x, v0, v1, v2, v3) {
  let s = 0;
  try {
    s = 14; x.setHeader("on_request", "X-Len", (String(v1) + " " + String(v2) + " " + v3.join(",")));
    s = 15; if (x.path.startsWith("/up")) {
      s = 16; return guard(f4(x), 16);
    }
    s = 17; x.respond(404, undefined, undefined); return;
  } catch (e) {
    throw fail(e, s);
  }
}
return Object.freeze({ onRequest: onRequest });
