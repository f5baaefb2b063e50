#!/bin/bash
# Starts proxycache N times with the same config and measures CPU µs per 1 KiB cache hit for each start
# (wrk pinned to CPU 1, the proxy to CPU 0, user time shown apart): shows how far per-request CPU moves
# between measurements — the box's speed phases described in bench/RESULTS.md ("Read this first"; they
# follow time, not the process: one process moves as much over consecutive windows). Needs wrk, taskset,
# a built tree.
#   bench/tools/restart-spread.sh [starts=6] [extra TOML appended to the config]
set -u
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
STARTS="${1:-6}"
EXTRA="${2:-}"
WORK="$(mktemp -d)"
ORIGIN_PORT=18196
PROXY_PORT=18197
ADMIN_PORT=18198
cat > "$WORK/origin.mjs" <<'JS'
import http from 'node:http';
const body = Buffer.alloc(1024, 'a');
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'public, max-age=3600' });
  res.end(body);
}).listen(Number(process.argv[2]), '127.0.0.1');
JS
cat > "$WORK/config.toml" <<EOT
[server]
listen_addr = "127.0.0.1:$PROXY_PORT"
backend_addr = "127.0.0.1:$ORIGIN_PORT"
log_level = "warn"
[rate_limiter]
enabled = false
[active_health]
enabled = false
[admin_api]
listen_addr = "127.0.0.1:$ADMIN_PORT"
$EXTRA
EOT
taskset -c 1 node "$WORK/origin.mjs" "$ORIGIN_PORT" & OP=$!
trap 'kill $OP 2>/dev/null; rm -rf "$WORK"' EXIT
for i in $(seq 1 "$STARTS"); do
  taskset -c 0 node "$REPO/packages/core/bin/proxycache.js" run --config "$WORK/config.toml" >/dev/null 2>&1 & PP=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$PROXY_PORT/small" && break; sleep 0.2; done
  taskset -c 1 wrk -t1 -c50 -d2s "http://127.0.0.1:$PROXY_PORT/small" >/dev/null
  read -r U0 S0 < <(awk '{print $14, $15}' "/proc/$PP/stat")
  R=$(taskset -c 1 wrk -t1 -c50 -d6s "http://127.0.0.1:$PROXY_PORT/small" | awk '/^Requests\/sec/{print $2}')
  read -r U1 S1 < <(awk '{print $14, $15}' "/proc/$PP/stat")
  TICK=$(getconf CLK_TCK)
  node -e "const [r,u,s]=[+process.argv[1],+process.argv[2],+process.argv[3]];const per=(t)=>(t*1e6/${TICK}/(r*6)).toFixed(1);console.log('start ${i}: '+r.toFixed(0)+' req/s, CPU '+per(u+s)+' µs/req (user '+per(u)+')')" "$R" "$((U1-U0))" "$((S1-S0))"
  kill $PP; wait $PP 2>/dev/null
done
