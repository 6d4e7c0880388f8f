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

# --- the bed's own test host (kubelet stats endpoints) -----------------------
# The apiserver refuses to proxy to loopback (and link-local) addresses, so the kubelet stats
# stand-in cannot listen on 127.0.0.1. It runs on a test host of the bed's own instead: a
# network namespace joined to this one by a veth pair, in a /29 of 10.254.0.0/16 that no
# interface or route of this machine uses. Names derive from $STATE, so beds side by side get
# their own namespace and subnet.

# stats_net_names: sets NETNS, VETH_HOST, VETH_NS for this $STATE (interface names ≤ 15 chars).
stats_net_names() {
  local h
  h="$(printf '%s' "$STATE" | sha256sum | cut -c1-8)"
  NETNS="kstor-bed-$h"
  VETH_HOST="ksb${h}h"
  VETH_NS="ksb${h}n"
}

# subnet_free OCTET: true when 10.254.OCTET.0/29 is neither on an interface nor routed here
# (the default route aside).
subnet_free() {
  local net="10.254.$1"
  ! ip -4 -o addr show 2>/dev/null | grep -qF " $net." || return 1
  [[ -z "$(ip -4 route show match "$net.1" 2>/dev/null | grep -v '^default')" ]]
}

# stats_net_up COUNT: creates the namespace and veth pair, the host side 10.254.X.1/29 and
# COUNT addresses 10.254.X.2… inside; prints those addresses, one a line. Fails (status 1,
# nothing created) when network namespaces are not permitted here.
stats_net_up() {
  local count="$1" start octet i
  command -v ip >/dev/null || { log "no ip command (iproute2)"; return 1; }
  stats_net_down  # a leftover of an earlier bed in this state dir
  start=$(( 0x$(printf '%s' "$STATE" | sha256sum | cut -c9-10) ))
  (
    # Two beds starting at once must not pick the same subnet.
    flock 9
    octet=""
    for (( i = 0; i < 256; i++ )); do
      if subnet_free $(( (start + i) % 256 )); then octet=$(( (start + i) % 256 )); break; fi
    done
    [[ -n "$octet" ]] || { log "no free /29 in 10.254.0.0/16"; exit 1; }
    ip netns add "$NETNS" 2>/dev/null || { log "ip netns add $NETNS: not permitted here"; exit 1; }
    if ! {
      ip link add "$VETH_HOST" type veth peer name "$VETH_NS" netns "$NETNS" &&
        ip addr add "10.254.$octet.1/29" dev "$VETH_HOST" &&
        ip link set "$VETH_HOST" up &&
        ip -n "$NETNS" link set lo up &&
        for (( i = 0; i < count; i++ )); do
          ip -n "$NETNS" addr add "10.254.$octet.$(( i + 2 ))/29" dev "$VETH_NS" || exit 1
        done &&
        ip -n "$NETNS" link set "$VETH_NS" up
    } >&2; then
      log "could not set up the veth pair for $NETNS"
      ip link del "$VETH_HOST" 2>/dev/null || true
      ip netns del "$NETNS" 2>/dev/null || true
      exit 1
    fi
    for (( i = 0; i < count; i++ )); do echo "10.254.$octet.$(( i + 2 ))"; done
  ) 9>"${TMPDIR:-/tmp}/kstor-bed-net.lock"
}

# stats_net_down: removes this bed's namespace and veth pair (if any). Run after the processes
# inside the namespace are gone.
stats_net_down() {
  command -v ip >/dev/null || return 0
  stats_net_names
  ip link del "$VETH_HOST" 2>/dev/null || true
  if ip netns list 2>/dev/null | grep -qw "^$NETNS"; then
    ip netns del "$NETNS" || log "could not remove network namespace $NETNS"
  fi
}
