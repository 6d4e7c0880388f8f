"""Shared helpers for the test bed's Python scripts (seed and the sims).

Everything goes through the real API: kubectl against the bed's apiserver
(admin kubeconfig in $KSTOR_BED_DIR) and boto3 against the bed's moto_server.
"""

import datetime
import hashlib
import json
import os
import random
import subprocess
import sys
import time

STATE = os.environ.get("KSTOR_BED_DIR", "/tmp/kstor-bed")
KUBECTL = os.environ.get("KUBECTL", "kubectl")
REGION = "us-east-1"
# The EBS CSI driver the stand-ins play: the self-managed one, or EKS Auto Mode's
# (KSTOR_BED_DRIVER=ebs.csi.eks.amazonaws.com), the same code base under another name.
DRIVER = os.environ.get("KSTOR_BED_DRIVER") or "ebs.csi.aws.com"
# The driver's own zone key on nodes and in CSINode topologyKeys (topology.<driver>/zone).
DRIVER_ZONE_KEY = f"topology.{DRIVER}/zone"

# The zones the bed seeds, their fixed private IPs (moto's default subnets are
# 172.31.0.0/20, 172.31.16.0/20, 172.31.32.0/20) and the instance type.
ZONES = [
    ("us-east-1a", "172.31.0.10"),
    ("us-east-1b", "172.31.16.10"),
    ("us-east-1c", "172.31.32.10"),
]
INSTANCE_TYPE = "m5.large"
CLUSTER_NAME = "kstor-bed"


class BedError(Exception):
    pass


def die(msg):
    print(f"{os.path.basename(sys.argv[0])}: {msg}", file=sys.stderr)
    sys.exit(1)


def kubelet_endpoints():
    """[(address, port) per node in zone order] of the kubelet stats endpoints on the bed's own
    test host (a network namespace `up` creates), from $STATE/ports; empty when there is none."""
    vals = {}
    try:
        with open(os.path.join(STATE, "ports")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                vals[k] = v.strip('"')
    except OSError:
        pass
    port = int(vals.get("KUBELET_PORT") or 10250)
    return [(ip, port) for ip in vals.get("KUBELET_IPS", "").split()]


def bed_env():
    """The variables `up` wrote to $STATE/env (KUBECONFIG, AWS_*)."""
    env = {}
    path = os.path.join(STATE, "env")
    if not os.path.exists(path):
        raise BedError(f"no bed in {STATE} (run testbed/up)")
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export ") and "=" in line:
                k, v = line[len("export "):].split("=", 1)
                env[k] = v
    return env


# ---------------------------------------------------------------- kubectl

def kubectl(*args, stdin=None, check=True):
    cmd = [KUBECTL, "--kubeconfig", os.path.join(STATE, "kubeconfig"), *args]
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise BedError(f"{' '.join(args[:4])}...: {p.stderr.strip() or p.stdout.strip()}")
    return p.stdout


def kget(kind, name=None, ns=None, selector=None, ignore_missing=False):
    args = ["get", kind]
    if name:
        args.append(name)
    if ns:
        args += ["-n", ns]
    elif name is None:
        args.append("-A")
    if selector:
        args += ["-l", selector]
    if ignore_missing:
        args.append("--ignore-not-found")
    args += ["-o", "json"]
    out = kubectl(*args)
    if not out.strip():
        return None
    return json.loads(out)


def kitems(kind, ns=None, selector=None):
    return kget(kind, ns=ns, selector=selector)["items"]


def apply(obj, manager, subresource=None, force=True):
    """Server-side apply of obj as field manager `manager`."""
    args = ["apply", "--server-side", f"--field-manager={manager}", "-o", "json", "-f", "-"]
    if force:
        args.insert(2, "--force-conflicts")
    if subresource:
        args.insert(2, f"--subresource={subresource}")
    return json.loads(kubectl(*args, stdin=json.dumps(obj)))


def create(obj):
    return json.loads(kubectl("create", "-o", "json", "-f", "-", stdin=json.dumps(obj)))


def patch(kind, name, body, ns=None, ptype="merge", subresource=None, manager=None):
    args = ["patch", kind, name, f"--type={ptype}", "-p", json.dumps(body), "-o", "json"]
    if ns:
        args += ["-n", ns]
    if subresource:
        args.append(f"--subresource={subresource}")
    if manager:
        args.append(f"--field-manager={manager}")
    return json.loads(kubectl(*args))


# ------------------------------------------------------------------- time

def now():
    return datetime.datetime.now(datetime.timezone.utc)


def rfc3339(t=None):
    return (t or now()).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(t=None):
    return (t or now()).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ----------------------------------------------------------------- events

def object_ref(obj):
    """An ObjectReference as client-go's reference.GetReference builds it."""
    md = obj["metadata"]
    ref = {
        "apiVersion": obj.get("apiVersion", "v1"),
        "kind": obj["kind"],
        "name": md["name"],
        "uid": md["uid"],
        "resourceVersion": md.get("resourceVersion", ""),
    }
    if md.get("namespace"):
        ref["namespace"] = md["namespace"]
    return ref


def record_event(obj, etype, reason, message, component, host=None):
    """Write a core/v1 Event the way client-go's legacy EventRecorder does
    (tools/record: name <obj>.<hex unix nanos>, count 1, first/lastTimestamp,
    source {component, host}, reportingComponent/Instance copied from source).
    This is the recorder kubelet, external-provisioner and external-attacher use."""
    t = now()
    nanos = time.time_ns()
    ns = obj["metadata"].get("namespace") or "default"
    ev = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{obj['metadata']['name']}.{nanos:x}", "namespace": ns},
        "involvedObject": object_ref(obj),
        "reason": reason,
        "message": message,
        "type": etype,
        "count": 1,
        "firstTimestamp": rfc3339(t),
        "lastTimestamp": rfc3339(t),
        "source": {"component": component},
        "reportingComponent": component,
        "reportingInstance": host or "",
    }
    if host:
        ev["source"]["host"] = host
    return create(ev)


# -------------------------------------------------------------------- EC2

def ec2():
    import boto3  # ships with moto

    try:
        endpoint = bed_env()["AWS_ENDPOINT_URL_EC2"]
    except (BedError, KeyError):
        endpoint = os.environ.get("AWS_ENDPOINT_URL_EC2")
    if not endpoint:
        raise BedError("no EC2 endpoint: no bed env and AWS_ENDPOINT_URL_EC2 unset")
    return boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def fake_request_id():
    return "%08x-%04x-%04x-%04x-%012x" % (
        random.getrandbits(32), random.getrandbits(16), random.getrandbits(16),
        random.getrandbits(16), random.getrandbits(48))


# ------------------------------------------------------------------- misc

def stable_suffix(n=5):
    """A short suffix stable for one bed (for pod-like identities)."""
    h = hashlib.sha256(STATE.encode()).hexdigest()
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(alphabet[int(h[i * 2:i * 2 + 2], 16) % len(alphabet)] for i in range(n))


def va_name(volume_handle, driver, node):
    """VolumeAttachment name as the attach-detach controller computes it."""
    return "csi-" + hashlib.sha256(f"{volume_handle}{driver}{node}".encode()).hexdigest()


def bed_nodes():
    """The seeded nodes: list of {zone, node, instanceId, privateIp}."""
    path = os.path.join(STATE, "nodes.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def instance_of_node(node_name):
    """EC2 instance id of a Node (from spec.providerID aws:///zone/i-...)."""
    node = kget("node", node_name)
    pid = node.get("spec", {}).get("providerID", "")
    return pid.rsplit("/", 1)[-1] if pid else None


def wait(pred, timeout=30, interval=0.5, what="condition"):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > deadline:
            raise BedError(f"timed out waiting for {what}")
        time.sleep(interval)
