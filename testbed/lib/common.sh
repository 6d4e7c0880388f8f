# Shared helpers for testbed/up, testbed/down, testbed/seed and the sims.
# Sourced, not executed.

TESTBED_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${KSTOR_BED_DIR:-/tmp/kstor-bed}"
KUBECTL="${KUBECTL:-kubectl}"
export GOTOOLCHAIN=local

# The processes `up` starts, in start order; `down` stops them in reverse.
BED_COMPONENTS=(etcd apiserver controller-manager scheduler moto)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# now_ms: milliseconds since the epoch.
now_ms() { date +%s%3N; }

# free_ports N: print N distinct free TCP ports on 127.0.0.1, one per line.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
n = int(sys.argv[1])
socks, ports = [], []
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
    ports.append(s.getsockname()[1])
for s in socks:
    s.close()
print("\n".join(map(str, ports)))
PY
}

# is_ours PID: true when PID is alive and was started by this bed (its
# environment carries KSTOR_BED_ID=$STATE). Guards against recycled pids.
is_ours() {
  local pid="$1"
  [[ -n "$pid" && -r "/proc/$pid/environ" ]] || return 1
  { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qxF "KSTOR_BED_ID=$STATE"
}

# pid_of NAME: the recorded pid of a component, empty if none.
pid_of() {
  local f="$STATE/pids/$1.pid"
  [[ -f "$f" ]] && cat "$f" || true
}

# start_bg NAME CMD...: start CMD in its own session (setsid), detached from
# stdin, logging to $STATE/logs/NAME.log; record its pid in $STATE/pids/NAME.pid.
start_bg() {
  local name="$1"; shift
  mkdir -p "$STATE/logs" "$STATE/pids"
  KSTOR_BED_ID="$STATE" setsid "$@" </dev/null >>"$STATE/logs/$name.log" 2>&1 &
  echo $! > "$STATE/pids/$name.pid"
}

# wait_for DESCRIPTION TIMEOUT_S CMD...: poll CMD every 0.2s until it succeeds.
wait_for() {
  local what="$1" timeout="$2"; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.2
  done
}

# kc ARGS...: kubectl against the bed as the admin.
kc() { "$KUBECTL" --kubeconfig "$STATE/kubeconfig" "$@"; }
