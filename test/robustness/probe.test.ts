import { it } from 'vitest';
import { rawExchange, robustConfig, startOrigin, startProxy, parseResponses } from './harness.js';
const S = 'GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n';
const cases: Record<string,string> = {
  clte: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${S}`,
  twocl: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc${S}`,
  clcomma: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 40\r\n\r\nabc${S}`,
  teci: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${S}`,
  tespace: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${S}`,
  tex: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${S}`,
  tetab: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n${S}`,
  te2: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${S}`,
  badchunk: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
  overflow: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\nhello\r\n0\r\n\r\n`,
  extlf: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\nb\r\nhello\r\n0\r\n\r\n`,
  extlong: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;${'a'.repeat(20000)}\r\nhello\r\n0\r\n\r\n`,
  extok: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;name=val\r\nhello\r\n0\r\n\r\n`,
  barelf: `GET / HTTP/1.1\nHost: a\n\n`,
  barelfhdr: `GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n`,
  nulline: `GET /a\x00b HTTP/1.1\r\nHost: a\r\n\r\n`,
  ctlvalue: `GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n`,
  nulvalue: `GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n`,
  crvalue: `GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n`,
  obsfold: `GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\r\n`,
  absform: `GET http://evil.example/path?q=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
  badmethod: `G(T / HTTP/1.1\r\nHost: a\r\n\r\n`,
  h09: `GET /\r\n\r\n`,
  h20: `GET / HTTP/2.0\r\nHost: a\r\n\r\n`,
  h30: `GET / HTTP/3.0\r\nHost: a\r\n\r\n`,
  h10: `GET / HTTP/1.0\r\nHost: a\r\n\r\n`,
  pri: `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`,
  getbody: `GET / HTTP/1.1\r\nHost: a\r\nContent-Length: ${S.length}\r\nConnection: close\r\n\r\n${S}`,
  nohost: `GET / HTTP/1.1\r\nConnection: close\r\n\r\n`,
  twohost: `GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n`,
  negcl: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n`,
  pluscl: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc`,
};
it('probe', async () => {
  const origin = await startOrigin();
  const p = await startProxy(robustConfig({ backend_addr: origin.addr }));
  for (const [name, data] of Object.entries(cases)) {
    const before = origin.seen.length;
    const r = await rawExchange(p.port, data, 1500);
    const rs = parseResponses(r.text);
    console.log(name.padEnd(10), rs.map(x=>`${x.status} conn=${x.headers.connection}`).join(' | '), 'closed', r.closed, 'origin:', origin.seen.slice(before).map(s=>`${s.method} ${s.url} body=${JSON.stringify(s.body)} xa=${s.headers['x-a']} host=${s.headers.host}`).join(' ; '), rs.length===0? JSON.stringify(r.text.slice(0,200)):'');
  }
  console.log(JSON.stringify(origin.raw().split('\r\n').filter(l=>/HTTP\/1/.test(l))));
  await p.app.shutdown(); await origin.close();
});
