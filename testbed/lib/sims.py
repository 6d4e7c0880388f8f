"""Stand-ins for the components no 2-core CI machine can run for real.

Each writes, through the real API, what the real component would write:

  kubelet-sim       the kubelet on the fake nodes (+ the EBS CSI node plugin's
                    registration): pod status, core/v1 events from "kubelet"
                    (FailedMount & co. with kubelet's wording), node
                    status.volumesInUse, CSINode driver entries, the final
                    delete of terminating pods.
  attacher-sim      the external-attacher sidecar of ebs.csi.aws.com plus the
                    driver's ControllerPublish/Unpublish against EC2 (moto):
                    VolumeAttachment finalizer + status.attached /
                    attachmentMetadata / attachError / detachError, PV finalizer.
  provisioner-sim   the external-provisioner sidecar of ebs.csi.aws.com plus the
                    driver's CreateVolume against EC2 (moto): the EBS volume with
                    the driver's tags, the PV (pv.kubernetes.io/provisioned-by,
                    CSI source, zone node affinity, claimRef), the
                    Provisioning/ProvisioningSucceeded/ProvisioningFailed events.
  resizer-sim       the external-resizer sidecar of ebs.csi.aws.com plus the
                    driver's ControllerExpandVolume (EC2 ModifyVolume on moto):
                    the PV's new capacity, the claim's allocatedResources and
                    FileSystemResizePending condition, Resizing /
                    FileSystemResizeRequired / VolumeResizeFailed events.

Everything else (binding, scheduling, VolumeAttachment creation, node
status.volumesAttached, FailedAttachVolume/Multi-Attach events, PVC/PV
protection) is done by the real controllers of the bed.
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import sys
import time

import bed
from bed import BedError

CSI_PLUGIN = "kubernetes.io/csi"
ATTACHER_FINALIZER = "external-attacher/" + re.sub(r"[^a-zA-Z0-9-]", "-", bed.DRIVER)
PROVISIONER_FINALIZER = "external-provisioner.volume.kubernetes.io/finalizer"
INTREE_EBS = "kubernetes.io/aws-ebs"
CONTROLLER_POD = "ebs-csi-controller-7c9d6b5f4d-" + bed.stable_suffix()


def controller_identity():
    """Event source of the provisioner: <driver>_<controller pod>_<uuid>."""
    h = hashlib.sha256(("identity" + bed.STATE).encode()).hexdigest()
    u = f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    return f"{bed.DRIVER}_{CONTROLLER_POD}_{u}"


def unique_volume_name(driver, handle):
    return f"{CSI_PLUGIN}/{driver}^{handle}"


def pv_for_claim(pvc):
    name = pvc.get("spec", {}).get("volumeName")
    return bed.kget("pv", name, ignore_missing=True) if name else None


# ====================================================================== kubelet

def pod_volume_spec_name(pod, volume):
    """The name kubelet puts in `for volume %q`: the PV name for a PVC-backed
    volume (volume.Spec.Name()), the pod volume name otherwise."""
    vols = pod["spec"].get("volumes", [])
    if volume:
        v = next((x for x in vols if x["name"] == volume), None)
        if v is None:
            return volume  # taken literally (e.g. a PV name)
    else:
        v = next((x for x in vols if "persistentVolumeClaim" in x), None)
        if v is None:
            raise BedError("pod has no PVC volume; pass --volume")
    if "persistentVolumeClaim" in v:
        ns = pod["metadata"]["namespace"]
        pvc = bed.kget("pvc", v["persistentVolumeClaim"]["claimName"], ns)
        if pvc.get("spec", {}).get("volumeName"):
            return pvc["spec"]["volumeName"]
    return v["name"]


def kubelet_event(pod, etype, reason, message):
    node = pod["spec"].get("nodeName")
    if not node:
        raise BedError(f"pod {pod['metadata']['name']} is not scheduled: kubelet has no node to speak for")
    return bed.record_event(pod, etype, reason, message, component="kubelet", host=node)


def cmd_kubelet_event(a):
    pod = bed.kget("pod", a.pod, a.namespace)
    ev = kubelet_event(pod, a.type, a.reason, a.message)
    print(f"event/{ev['metadata']['name']} {a.type} {a.reason}: {a.message}")


def cmd_kubelet_mount_failed(a):
    pod = bed.kget("pod", a.pod, a.namespace)
    vol = pod_volume_spec_name(pod, a.volume)
    op = a.op
    if "." not in op:
        op = ("MapVolume." if a.block else "MountVolume.") + op
    if not op.endswith(" failed"):
        op += " failed"
    # operation_generator: MapVolume.* failures are FailedMapVolume, MountVolume.* FailedMount.
    reason = "FailedMapVolume" if op.startswith("MapVolume.") and "NodeAffinity" not in op else "FailedMount"
    msg = f"{op} for volume {json.dumps(vol)} : {a.error}"
    ev = kubelet_event(pod, "Warning", reason, msg)
    print(f"event/{ev['metadata']['name']} Warning {reason}: {msg}")


def _pod_conditions(pod, ready):
    t = bed.rfc3339()
    names = [c["name"] for c in pod["spec"]["containers"]]
    unready = f"containers with unready status: [{' '.join(names)}]"
    conds = [
        {"type": "PodReadyToStartContainers", "status": "True" if ready else "False", "lastTransitionTime": t},
        {"type": "Initialized", "status": "True", "lastTransitionTime": t},
        {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": t},
        {"type": "ContainersReady", "status": "True" if ready else "False", "lastTransitionTime": t},
    ]
    if not ready:
        for c in conds[2:]:
            c["reason"] = "ContainersNotReady"
            c["message"] = unready
    return conds


def _node_ip(node_name):
    node = bed.kget("node", node_name)
    for a in node.get("status", {}).get("addresses", []):
        if a["type"] == "InternalIP":
            return a["address"]
    return None


def cmd_kubelet_pod_status(a, running):
    pod = bed.kget("pod", a.pod, a.namespace)
    node = pod["spec"].get("nodeName")
    if not node:
        raise BedError("pod is not scheduled")
    t = bed.rfc3339()
    statuses = []
    for c in pod["spec"]["containers"]:
        st = {"name": c["name"], "image": c["image"], "imageID": "", "ready": running,
              "restartCount": 0, "started": running, "lastState": {}}
        if running:
            st["imageID"] = "docker.io/library/" + c["image"].split("/")[-1].split(":")[0] + "@sha256:" + \
                hashlib.sha256(c["image"].encode()).hexdigest()
            st["containerID"] = "containerd://" + hashlib.sha256((pod["metadata"]["uid"] + c["name"]).encode()).hexdigest()
            st["state"] = {"running": {"startedAt": t}}
        else:
            st["state"] = {"waiting": {"reason": "ContainerCreating"}}
        statuses.append(st)
    status = {"phase": "Running" if running else "Pending", "conditions": _pod_conditions(pod, running),
              "containerStatuses": statuses, "startTime": pod.get("status", {}).get("startTime") or t}
    ip = _node_ip(node)
    if ip:
        status["hostIP"] = ip
        status["hostIPs"] = [{"ip": ip}]
    if running:
        h = hashlib.sha256(pod["metadata"]["uid"].encode()).digest()
        pip = f"172.31.{h[0] % 64}.{10 + h[1] % 240}"
        status["podIP"] = pip
        status["podIPs"] = [{"ip": pip}]
    bed.patch("pod", a.pod, {"status": status}, ns=a.namespace, ptype="strategic",
              subresource="status", manager="kubelet")
    print(f"pod/{a.pod} {'Running' if running else 'Pending (ContainerCreating)'} on {node}")


def _csi_volumes_of_pod(pod):
    """Unique names of the CSI PV-backed volumes of a pod."""
    out = []
    ns = pod["metadata"]["namespace"]
    for v in pod["spec"].get("volumes", []):
        if "persistentVolumeClaim" not in v:
            continue
        pvc = bed.kget("pvc", v["persistentVolumeClaim"]["claimName"], ns, ignore_missing=True)
        pv = pv_for_claim(pvc) if pvc else None
        csi = (pv or {}).get("spec", {}).get("csi")
        if csi:
            out.append(unique_volume_name(csi["driver"], csi["volumeHandle"]))
    return out


def cmd_kubelet_in_use(a):
    node = bed.kget("node", a.node)
    if a.clear:
        names = []
    elif a.set:
        names = list(a.set)
    else:  # --sync: the volumes of the non-terminated pods on the node
        names = []
        pods = bed.kget("pods", selector=None)["items"]
        for p in pods:
            if p["spec"].get("nodeName") != a.node:
                continue
            if p.get("status", {}).get("phase") in ("Succeeded", "Failed"):
                continue
            for n in _csi_volumes_of_pod(p):
                if n not in names:
                    names.append(n)
    names = sorted(set(names))
    body = [{"op": "add", "path": "/status/volumesInUse", "value": names}]
    if not names and "volumesInUse" in node.get("status", {}):
        body = [{"op": "remove", "path": "/status/volumesInUse"}]
    elif not names:
        body = None
    if body:
        bed.patch("node", a.node, body, ptype="json", subresource="status", manager="kubelet")
    print(f"node/{a.node} volumesInUse={names}")


def cmd_kubelet_reap(a):
    """Finish deleting terminating pods on the bed's nodes (kubelet's final
    delete with grace period 0 once the containers are gone)."""
    pods = bed.kget("pods", ns=a.namespace)["items"] if a.namespace else bed.kget("pods")["items"]
    nodes = {n["node"] for n in bed.bed_nodes()}
    n = 0
    for p in pods:
        md = p["metadata"]
        if not md.get("deletionTimestamp"):
            continue
        node = p["spec"].get("nodeName")
        if not node or (a.node and node != a.node) or (not a.node and nodes and node not in nodes):
            continue
        bed.kubectl("delete", "pod", md["name"], "-n", md["namespace"], "--grace-period=0", "--force",
                    "--wait=false", "--ignore-not-found", check=False)
        n += 1
        print(f"pod/{md['namespace']}/{md['name']} deleted (grace 0)")
    if not n:
        print("no terminating pods")


def cmd_kubelet_driver(a):
    node = bed.kget("node", a.node)
    iid = a.node_id or bed.instance_of_node(a.node)
    csinode = bed.kget("csinode", a.node, ignore_missing=True)
    drivers = (csinode or {}).get("spec", {}).get("drivers") or []
    drivers = [d for d in drivers if d["name"] != a.driver]
    ann = json.loads(node["metadata"].get("annotations", {}).get("csi.volume.kubernetes.io/nodeid", "{}"))
    if a.unregister:
        ann.pop(a.driver, None)
    else:
        d = {"name": a.driver, "nodeID": iid,
             "topologyKeys": a.topology_keys.split(",") if a.topology_keys else [f"topology.{a.driver}/zone"]}
        if a.allocatable is not None and a.allocatable >= 0:
            d["allocatable"] = {"count": a.allocatable}
        drivers.append(d)
        ann[a.driver] = iid
    obj = {"apiVersion": "storage.k8s.io/v1", "kind": "CSINode",
           "metadata": {"name": a.node, "ownerReferences": [
               {"apiVersion": "v1", "kind": "Node", "name": a.node, "uid": node["metadata"]["uid"]}]},
           "spec": {"drivers": drivers}}
    if csinode:
        obj["metadata"]["resourceVersion"] = csinode["metadata"]["resourceVersion"]
        bed.kubectl("replace", "-f", "-", stdin=json.dumps(obj))
    else:
        bed.create(obj)
    annv = json.dumps(ann, separators=(",", ":")) if ann else None
    bed.patch("node", a.node, {"metadata": {"annotations": {"csi.volume.kubernetes.io/nodeid": annv}}},
              manager="kubelet")
    print(f"csinode/{a.node} drivers={[d['name'] for d in drivers]}")


# The kubelet's stats summary (GET /stats/summary on its port, reached through the apiserver's
# node proxy): pods[].volume[] as the kubelet's volume stats provider fills it. One JSON file per
# node under $STATE/stats holds the pod entries written by `kubelet-sim stats`.

def _stats_path(node):
    return os.path.join(bed.STATE, "stats", node + ".json")


def _read_stats(node):
    try:
        with open(_stats_path(node)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def cmd_kubelet_stats(a):
    pod = bed.kget("pod", a.pod, a.namespace)
    node = pod["spec"].get("nodeName")
    if not node:
        raise BedError(f"pod {a.namespace}/{a.pod} is not scheduled: no kubelet reports its volumes")
    vols = [v for v in pod["spec"].get("volumes", []) if "persistentVolumeClaim" in v]
    vol = next((v for v in vols if v["name"] == a.volume), None) if a.volume else (vols[0] if vols else None)
    if not vol:
        raise BedError(f"pod {a.namespace}/{a.pod} has no PVC volume {a.volume or ''}".strip())
    claim = vol["persistentVolumeClaim"]["claimName"]
    pvc = bed.kget("pvc", claim, a.namespace)
    pv = pv_for_claim(pvc)
    if not pv:
        raise BedError(f"claim {a.namespace}/{claim} is not bound")
    # ext4 on an N GiB device: a little under N GiB usable, one inode per 16 KiB.
    capacity = _gib(pv["spec"]["capacity"]["storage"]) * 2**30 * 984 // 1024
    used = int(capacity * a.used / 100)
    inodes = capacity // 16384
    inodes_used = int(inodes * a.inodes_used / 100)
    t = bed.rfc3339()
    entry = {
        "podRef": {"name": a.pod, "namespace": a.namespace, "uid": pod["metadata"]["uid"]},
        "startTime": pod.get("status", {}).get("startTime", t),
        "volume": [{
            "time": t, "availableBytes": capacity - used, "capacityBytes": capacity, "usedBytes": used,
            "inodesFree": inodes - inodes_used, "inodes": inodes, "inodesUsed": inodes_used,
            "name": vol["name"], "pvcRef": {"name": claim, "namespace": a.namespace},
        }],
    }
    stats = _read_stats(node)
    stats[f"{a.namespace}/{a.pod}"] = entry
    os.makedirs(os.path.dirname(_stats_path(node)), exist_ok=True)
    tmp = _stats_path(node) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(stats, f)
    os.replace(tmp, _stats_path(node))
    print(f"node/{node} stats: {a.namespace}/{a.pod} volume {vol['name']} ({claim}) "
          f"{used}/{capacity} bytes, {inodes_used}/{inodes} inodes")


def cmd_kubelet_serve_stats(a):
    """Serve GET /stats/summary for each bed node on its kubeletPort (TLS with the apiserver's
    self-signed pair: the apiserver runs without --kubelet-certificate-authority)."""
    import http.server
    import ssl
    import threading

    with open(os.path.join(bed.STATE, "nodes.json")) as f:
        nodes = [n for n in json.load(f) if n.get("externalIp") and n.get("kubeletPort")]
    if not nodes:
        raise BedError("nodes.json has no externalIp/kubeletPort: the bed has no test host (network namespace)")
    started = bed.rfc3339()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki = os.path.join(bed.STATE, "pki", "apiserver")
    ctx.load_cert_chain(os.path.join(pki, "apiserver.crt"), os.path.join(pki, "apiserver.key"))

    def handler_for(node):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.split("?")[0] != "/stats/summary":
                    self.send_error(404)
                    return
                body = json.dumps({
                    "node": {"nodeName": node, "systemContainers": [], "startTime": started},
                    "pods": list(_read_stats(node).values()),
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt, *args):
                print(f"{node}: {fmt % args}", flush=True)
        return Handler

    servers = []
    for n in nodes:
        srv = http.server.ThreadingHTTPServer((n["externalIp"], n["kubeletPort"]), handler_for(n["node"]))
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        servers.append(srv)
        print(f"kubelet-sim: /stats/summary of {n['node']} on https://{n['externalIp']}:{n['kubeletPort']}",
              flush=True)
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    servers[0].serve_forever()


def kubelet_main(argv):
    p = argparse.ArgumentParser(prog="kubelet-sim", description=(
        "Stands in for the kubelet (and the CSI node plugin registration) on the bed's fake nodes."))
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("event", help="record a core/v1 Event on a pod as kubelet (source kubelet, host = node)")
    s.add_argument("pod"); s.add_argument("-n", "--namespace", default="default")
    s.add_argument("--reason", required=True); s.add_argument("--message", required=True)
    s.add_argument("--type", default="Warning", choices=["Warning", "Normal"])
    s.set_defaults(fn=cmd_kubelet_event)

    s = sub.add_parser("mount-failed", help="FailedMount/FailedMapVolume event with kubelet's wording: "
                       "'<op> failed for volume \"<pv or volume>\" : <error>'")
    s.add_argument("pod"); s.add_argument("-n", "--namespace", default="default")
    s.add_argument("--volume", help="pod volume name (default: the first PVC volume); PVC volumes are named by their PV")
    s.add_argument("--op", default="MountVolume.MountDevice",
                   help="MountVolume.MountDevice (default), MountVolume.SetUp, MountVolume.WaitForAttach, "
                        "MapVolume.MapPodDevice, ... ('SetUp' alone gets the MountVolume./MapVolume. prefix)")
    s.add_argument("--block", action="store_true", help="prefix a bare --op with MapVolume.")
    s.add_argument("--error", required=True, help="the error text after ' : '")
    s.set_defaults(fn=cmd_kubelet_mount_failed)

    s = sub.add_parser("container-creating", help="pod status Pending with containers waiting in ContainerCreating")
    s.add_argument("pod"); s.add_argument("-n", "--namespace", default="default")
    s.set_defaults(fn=lambda a: cmd_kubelet_pod_status(a, False))

    s = sub.add_parser("running", help="pod status Running and Ready")
    s.add_argument("pod"); s.add_argument("-n", "--namespace", default="default")
    s.set_defaults(fn=lambda a: cmd_kubelet_pod_status(a, True))

    s = sub.add_parser("in-use", help="set node status.volumesInUse (kubernetes.io/csi/<driver>^<handle>)")
    s.add_argument("node")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--sync", action="store_true", help="the CSI volumes of the node's non-terminated pods")
    g.add_argument("--set", nargs="+", metavar="UNIQUE_NAME")
    g.add_argument("--clear", action="store_true")
    s.set_defaults(fn=cmd_kubelet_in_use)

    s = sub.add_parser("stats", help="the kubelet's volume stats for a pod's PVC volume, served in the "
                       "node's /stats/summary (serve-stats)")
    s.add_argument("pod"); s.add_argument("-n", "--namespace", default="default")
    s.add_argument("--volume", help="pod volume name (default: the first PVC volume)")
    s.add_argument("--used", type=float, required=True, metavar="PERCENT", help="bytes used, in %% of capacity")
    s.add_argument("--inodes-used", type=float, default=1.0, metavar="PERCENT")
    s.set_defaults(fn=cmd_kubelet_stats)

    s = sub.add_parser("serve-stats", help="serve GET /stats/summary for every node on its kubelet port "
                       "(started by up; the apiserver's node proxy reaches it)")
    s.set_defaults(fn=cmd_kubelet_serve_stats)

    s = sub.add_parser("reap", help="finish deleting terminating pods on the bed's nodes (grace 0)")
    s.add_argument("-n", "--namespace"); s.add_argument("--node")
    s.set_defaults(fn=cmd_kubelet_reap)

    s = sub.add_parser("driver", help="register/unregister a CSI driver on a node (CSINode + nodeid annotation)")
    s.add_argument("node")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--register", action="store_true"); g.add_argument("--unregister", action="store_true")
    s.add_argument("--driver", default=bed.DRIVER)
    s.add_argument("--node-id", help="default: the instance id from spec.providerID")
    s.add_argument("--allocatable", type=int, default=25, help="allocatable.count; -1 to omit")
    s.add_argument("--topology-keys", help="comma-separated (default topology.ebs.csi.aws.com/zone)")
    s.set_defaults(fn=cmd_kubelet_driver)
    return p.parse_args(argv)


# ===================================================================== attacher

class PublishError(Exception):
    pass


def _csinode_node_id(node_name, driver):
    cn = bed.kget("csinode", node_name, ignore_missing=True)
    if cn is None:
        raise PublishError(f'csinode.storage.k8s.io "{node_name}" not found')
    for d in cn.get("spec", {}).get("drivers") or []:
        if d["name"] == driver:
            return d["nodeID"]
    raise PublishError(f"CSINode {node_name} does not contain driver {driver}")


def _aws_error(op, code, message):
    return (f"operation error EC2: {op}, https response error StatusCode: 400, "
            f"RequestID: {bed.fake_request_id()}, api error {code}: {message}")


def ec2_publish(ec2, handle, instance_id):
    """The EBS driver's ControllerPublishVolume against moto, with the driver's
    error wording. moto does not refuse a cross-AZ attach: the zone check is
    done here, as EC2 would (InvalidVolume.ZoneMismatch). Returns devicePath."""
    try:
        vol = ec2.describe_volumes(VolumeIds=[handle])["Volumes"][0]
    except Exception as e:  # botocore ClientError
        if "InvalidVolume.NotFound" in str(e) or "InvalidParameterValue" in str(e):
            raise PublishError(f'rpc error: code = NotFound desc = Volume "{handle}" not found')
        raise
    inst = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    prefix = f'rpc error: code = Internal desc = Could not attach volume "{handle}" to node "{instance_id}": '
    for att in vol.get("Attachments", []):
        if att["InstanceId"] == instance_id and att["State"] in ("attaching", "attached"):
            return att["Device"]
    if vol["AvailabilityZone"] != inst["Placement"]["AvailabilityZone"]:
        raise PublishError(prefix + _aws_error(
            "AttachVolume", "InvalidVolume.ZoneMismatch",
            f"The volume '{handle}' is not in the same availability zone as instance '{instance_id}'"))
    if vol.get("Attachments") and not vol.get("MultiAttachEnabled"):
        raise PublishError(prefix + _aws_error(
            "AttachVolume", "VolumeInUse", f"{handle} is already attached to an instance"))
    used = {m["DeviceName"] for m in inst.get("BlockDeviceMappings", [])}
    device = None
    for first in "abcdefghijklmnopqrstuvwxyz":
        for second in "abcdefghijklmnopqrstuvwxyz":
            d = f"/dev/xvd{first}{second}"
            if d not in used:
                device = d
                break
        if device:
            break
    ec2.attach_volume(VolumeId=handle, InstanceId=instance_id, Device=device)
    return device


def ec2_unpublish(ec2, handle, instance_id):
    try:
        vol = ec2.describe_volumes(VolumeIds=[handle])["Volumes"][0]
    except Exception as e:
        if "InvalidVolume.NotFound" in str(e):
            return  # the driver treats a missing volume as detached
        raise
    if any(a["InstanceId"] == instance_id for a in vol.get("Attachments", [])):
        ec2.detach_volume(VolumeId=handle, InstanceId=instance_id)


def _va_source(va):
    pvname = va["spec"]["source"].get("persistentVolumeName")
    if pvname:
        pv = bed.kget("pv", pvname, ignore_missing=True)
        if pv is None:
            raise PublishError(f'persistentvolume "{pvname}" not found')
        return pv, pv["spec"]["csi"]["volumeHandle"]
    inline = va["spec"]["source"].get("inlineVolumeSpec")
    if inline:
        return None, inline["csi"]["volumeHandle"]
    raise PublishError("VolumeAttachment has no source")


def _add_finalizer(kind, obj, fin):
    fins = obj["metadata"].get("finalizers", [])
    if fin in fins:
        return
    bed.patch(kind, obj["metadata"]["name"],
              {"metadata": {"finalizers": fins + [fin], "resourceVersion": obj["metadata"]["resourceVersion"]}},
              manager="csi-attacher")


def _remove_finalizer(kind, name, fin):
    obj = bed.kget(kind, name, ignore_missing=True)
    if not obj:
        return
    fins = obj["metadata"].get("finalizers", [])
    if fin not in fins:
        return
    bed.patch(kind, name, {"metadata": {"finalizers": [f for f in fins if f != fin],
                                        "resourceVersion": obj["metadata"]["resourceVersion"]}},
              manager="csi-attacher")


def va_set_status(name, status):
    bed.patch("volumeattachment", name, {"status": status}, subresource="status", manager="csi-attacher")


def va_error(message):
    return {"time": bed.rfc3339_micro(), "message": message}


def attach_one(va, use_ec2=True):
    name = va["metadata"]["name"]
    if va["spec"]["attacher"] != bed.DRIVER:
        return f"{name}: attacher {va['spec']['attacher']} is not {bed.DRIVER}, skipped"
    try:
        pv, handle = _va_source(va)
        if pv is not None:
            _add_finalizer("pv", pv, ATTACHER_FINALIZER)
        _add_finalizer("volumeattachment", bed.kget("volumeattachment", name), ATTACHER_FINALIZER)
        instance_id = _csinode_node_id(va["spec"]["nodeName"], bed.DRIVER)
        device = ec2_publish(bed.ec2(), handle, instance_id) if use_ec2 else "/dev/xvdaa"
    except PublishError as e:
        va_set_status(name, {"attached": False, "attachError": va_error(str(e))})
        return f"{name}: attachError: {e}"
    va_set_status(name, {"attached": True, "attachmentMetadata": {"devicePath": device}, "attachError": None})
    return f"{name}: attached ({handle} on {va['spec']['nodeName']} as {device})"


def detach_one(va, use_ec2=True):
    name = va["metadata"]["name"]
    try:
        pv, handle = _va_source(va)
    except PublishError:
        pv, handle = None, None
    if use_ec2 and handle:
        try:
            iid = _csinode_node_id(va["spec"]["nodeName"], bed.DRIVER)
            ec2_unpublish(bed.ec2(), handle, iid)
        except PublishError:
            pass
    va_set_status(name, {"attached": False, "detachError": None})
    _remove_finalizer("volumeattachment", name, ATTACHER_FINALIZER)
    if pv is not None:
        others = [v for v in bed.kget("volumeattachment")["items"]
                  if v["metadata"]["name"] != name
                  and v["spec"]["source"].get("persistentVolumeName") == pv["metadata"]["name"]]
        if not others:
            _remove_finalizer("pv", pv["metadata"]["name"], ATTACHER_FINALIZER)
    return f"{name}: detached"


def _select_vas(a):
    if getattr(a, "all", False) or not a.names:
        return [v for v in bed.kget("volumeattachment")["items"] if v["spec"]["attacher"] == bed.DRIVER]
    return [bed.kget("volumeattachment", n) for n in a.names]


def cmd_attach(a):
    for va in _select_vas(a):
        if va["metadata"].get("deletionTimestamp"):
            continue
        if va.get("status", {}).get("attached") and not a.force:
            print(f"{va['metadata']['name']}: already attached (--force to publish again)")
            continue
        print(attach_one(va, not a.no_ec2))


def cmd_attach_fail(a):
    va_set_status(a.name, {"attached": False, "attachError": va_error(a.message)})
    print(f"{a.name}: attachError: {a.message}")


def cmd_detach(a):
    for va in _select_vas(a):
        print(detach_one(va, not a.no_ec2))


def cmd_detach_fail(a):
    va_set_status(a.name, {"detachError": va_error(a.message)})
    print(f"{a.name}: detachError: {a.message}")


def cmd_va_name(a):
    print(bed.va_name(a.volume_handle, a.driver, a.node))


def cmd_attacher_run(a):
    """Act like the external-attacher: attach new VAs, detach deleted ones."""
    print(f"attacher-sim: watching VolumeAttachments of {bed.DRIVER} every {a.interval}s", flush=True)
    while True:
        try:
            for va in bed.kget("volumeattachment")["items"]:
                if va["spec"]["attacher"] != bed.DRIVER:
                    continue
                st = va.get("status", {})
                if va["metadata"].get("deletionTimestamp"):
                    if ATTACHER_FINALIZER in va["metadata"].get("finalizers", []):
                        print(detach_one(va, not a.no_ec2), flush=True)
                elif not st.get("attached") and not st.get("attachError"):
                    print(attach_one(va, not a.no_ec2), flush=True)
        except BedError as e:
            print(f"attacher-sim: {e}", file=sys.stderr, flush=True)
        if a.once:
            return
        time.sleep(a.interval)


def attacher_main(argv):
    p = argparse.ArgumentParser(prog="attacher-sim", description=(
        "Stands in for the external-attacher sidecar of ebs.csi.aws.com and the driver's "
        "ControllerPublish/Unpublish (EC2 AttachVolume/DetachVolume on moto)."))
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("attach", help="attach VAs (all of the driver's when none named): finalizers, EC2 attach, "
                       "status.attached=true + devicePath; EC2/driver errors become status.attachError")
    s.add_argument("names", nargs="*"); s.add_argument("--all", action="store_true")
    s.add_argument("--no-ec2", action="store_true", help="do not touch EC2; devicePath /dev/xvdaa")
    s.add_argument("--force", action="store_true", help="publish again even if status.attached is true")
    s.set_defaults(fn=cmd_attach)
    s = sub.add_parser("fail", help="set status.attachError.message (attached=false)")
    s.add_argument("name"); s.add_argument("--message", required=True)
    s.set_defaults(fn=cmd_attach_fail)
    s = sub.add_parser("detach", help="EC2 detach, attached=false, remove the attacher finalizers")
    s.add_argument("names", nargs="*"); s.add_argument("--all", action="store_true")
    s.add_argument("--no-ec2", action="store_true")
    s.set_defaults(fn=cmd_detach)
    s = sub.add_parser("detach-fail", help="set status.detachError.message")
    s.add_argument("name"); s.add_argument("--message", required=True)
    s.set_defaults(fn=cmd_detach_fail)
    s = sub.add_parser("name", help="print the VolumeAttachment name the attach-detach controller uses")
    s.add_argument("--volume-handle", required=True); s.add_argument("--node", required=True)
    s.add_argument("--driver", default=bed.DRIVER)
    s.set_defaults(fn=cmd_va_name)
    s = sub.add_parser("run", help="loop: attach new VAs, detach deleted ones (like the real sidecar)")
    s.add_argument("--interval", type=float, default=1.0); s.add_argument("--once", action="store_true")
    s.add_argument("--no-ec2", action="store_true")
    s.set_defaults(fn=cmd_attacher_run)
    return p.parse_args(argv)


# ================================================================== provisioner

def _gib(quantity):
    """Round a resource quantity up to whole GiB, as the EBS driver does."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGTPE]i?|k|m)?", quantity.strip())
    if not m:
        raise BedError(f"cannot parse quantity {quantity}")
    n = float(m.group(1))
    mult = {None: 1, "m": 1e-3, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}[m.group(2)]
    return max(1, math.ceil(n * mult / 2**30))


def _pick_zone(pvc, sc, forced):
    if forced:
        return forced
    node = pvc["metadata"].get("annotations", {}).get("volume.kubernetes.io/selected-node")
    if node:
        labels = bed.kget("node", node)["metadata"].get("labels", {})
        z = labels.get("topology.kubernetes.io/zone") or labels.get(bed.DRIVER_ZONE_KEY)
        if z:
            return z
    for term in sc.get("allowedTopologies") or []:
        for e in term.get("matchLabelExpressions", []):
            if e["key"] in ("topology.kubernetes.io/zone", bed.DRIVER_ZONE_KEY) and e["values"]:
                return e["values"][0]
    zones = sorted({n["zone"] for n in bed.bed_nodes()}) or [z for z, _ in bed.ZONES]
    return random.Random(pvc["metadata"]["uid"]).choice(zones)


def provisioner_event(pvc, etype, reason, message):
    return bed.record_event(pvc, etype, reason, message, component=controller_identity())


def provision(pvc, zone=None, use_ec2=True, topology_key="topology.kubernetes.io/zone", volume_id=None):
    md = pvc["metadata"]
    ns, name = md["namespace"], md["name"]
    sc_name = pvc["spec"].get("storageClassName")
    if not sc_name:
        raise BedError("claim has no storageClassName")
    sc = bed.kget("storageclass", sc_name)
    # An in-tree kubernetes.io/aws-ebs class is served by the CSI driver under
    # CSI migration: the provisioner creates the volume and writes an in-tree PV.
    migrated = sc["provisioner"] == INTREE_EBS
    if sc["provisioner"] != bed.DRIVER and not migrated:
        raise BedError(f"StorageClass {sc_name} provisioner is {sc['provisioner']}, not {bed.DRIVER}")
    pv_name = "pvc-" + md["uid"]
    if bed.kget("pv", pv_name, ignore_missing=True):
        return f"{ns}/{name}: {pv_name} already exists"
    provisioner_event(pvc, "Normal", "Provisioning", f'External provisioner is provisioning volume for claim "{ns}/{name}"')
    selected = md.get("annotations", {}).get("volume.kubernetes.io/selected-node")
    if selected and not migrated:
        # external-provisioner (controller/topology.go) learns the selected node's zone
        # from its CSINode: without the driver's topology keys there it refuses, keeping the
        # selected-node annotation (ProvisioningNoChange) so the scheduler waits in PreBind.
        csinode = bed.kget("csinode", selected, ignore_missing=True)
        if csinode is None:
            err = (f'error generating accessibility requirements: error getting CSINode for selected node '
                   f'"{selected}": csinode.storage.k8s.io "{selected}" not found')
        else:
            keys = next((d.get("topologyKeys") for d in csinode.get("spec", {}).get("drivers") or []
                         if d["name"] == bed.DRIVER), None)
            # v6.0+ (its PVC/node cache) says "for node"; v1.2–v5.x "on CSINode".
            v6 = int(os.environ.get("KSTOR_BED_EXTERNAL_PROVISIONER", "5").split(".")[0] or 5) >= 6
            where = f"for node {selected}" if v6 else f"on CSINode {selected}"
            err = None if keys else (
                f"error generating accessibility requirements: no topology key found {where}")
        if err:
            provisioner_event(pvc, "Warning", "ProvisioningFailed",
                              f'failed to provision volume with StorageClass "{sc_name}": {err}')
            raise BedError(f"{ns}/{name}: {err}")
    params = sc.get("parameters", {})
    size = _gib(pvc["spec"]["resources"]["requests"]["storage"])
    zone = _pick_zone(pvc, sc, zone)
    fstype = params.get("csi.storage.k8s.io/fstype") or params.get("fsType") or params.get("fstype") or "ext4"
    if volume_id is None and use_ec2:
        tags = {
            "CSIVolumeName": pv_name,
            f"{bed.DRIVER}/cluster": "true",
            "kubernetes.io/created-for/pvc/name": name,
            "kubernetes.io/created-for/pvc/namespace": ns,
            "kubernetes.io/created-for/pv/name": pv_name,
            f"kubernetes.io/cluster/{bed.CLUSTER_NAME}": "owned",
        }
        kw = {"AvailabilityZone": zone, "Size": size, "VolumeType": params.get("type", "gp3"),
              "TagSpecifications": [{"ResourceType": "volume",
                                     "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]}
        if params.get("encrypted", "").lower() == "true":
            kw["Encrypted"] = True
            if params.get("kmsKeyId"):
                kw["KmsKeyId"] = params["kmsKeyId"]
        if params.get("iops"):
            kw["Iops"] = int(params["iops"])
        if params.get("throughput"):
            kw["Throughput"] = int(params["throughput"])
        volume_id = bed.ec2().create_volume(**kw)["VolumeId"]
    elif volume_id is None:
        volume_id = "vol-" + hashlib.sha256(md["uid"].encode()).hexdigest()[:17]
    ident = f"{int(time.time() * 1000)}-{random.Random(bed.STATE).randint(1000, 9999)}-{bed.DRIVER}"
    pv = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": pv_name,
            "annotations": {"pv.kubernetes.io/provisioned-by": bed.DRIVER,
                            "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                            "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""},
            "finalizers": [PROVISIONER_FINALIZER],
        },
        "spec": {
            "accessModes": pvc["spec"].get("accessModes", ["ReadWriteOnce"]),
            "capacity": {"storage": f"{size}Gi"},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": name, "namespace": ns,
                         "uid": md["uid"], "resourceVersion": md["resourceVersion"]},
            "csi": {"driver": bed.DRIVER, "fsType": fstype, "volumeHandle": volume_id,
                    "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": ident}},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": topology_key, "operator": "In", "values": [zone]}]}]}},
            "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
            "storageClassName": sc_name,
            "volumeMode": pvc["spec"].get("volumeMode", "Filesystem"),
        },
    }
    if migrated:
        # csi-translation-lib TranslateCSIPVToInTree: awsElasticBlockStore source,
        # the driver's zone key replaced by topology.kubernetes.io/zone, a region
        # term and zone/region labels added.
        pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] = INTREE_EBS
        pv["metadata"]["labels"] = {"topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": bed.REGION}
        del pv["spec"]["csi"]
        pv["spec"]["awsElasticBlockStore"] = {"volumeID": volume_id, "fsType": fstype}
        pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"] = [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]},
            {"key": "topology.kubernetes.io/region", "operator": "In", "values": [bed.REGION]}]}]
    if sc.get("mountOptions"):
        pv["spec"]["mountOptions"] = sc["mountOptions"]
    if pvc["spec"].get("volumeAttributesClassName"):
        pv["spec"]["volumeAttributesClassName"] = pvc["spec"]["volumeAttributesClassName"]
    bed.create(pv)
    provisioner_event(pvc, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {pv_name}")
    return f"{ns}/{name}: provisioned {pv_name} ({volume_id}, {size}Gi, {zone})"


def cmd_provision(a):
    pvc = bed.kget("pvc", a.pvc, a.namespace)
    print(provision(pvc, a.zone, not a.no_ec2, a.topology_key, a.volume_id))


def cmd_provision_fail(a):
    pvc = bed.kget("pvc", a.pvc, a.namespace)
    ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
    sc = pvc["spec"].get("storageClassName") or ""
    provisioner_event(pvc, "Normal", "Provisioning", f'External provisioner is provisioning volume for claim "{ns}/{name}"')
    msg = f'failed to provision volume with StorageClass "{sc}": {a.message}'
    provisioner_event(pvc, "Warning", "ProvisioningFailed", msg)
    print(f"{ns}/{name}: ProvisioningFailed: {msg}")


def reclaim(pv, use_ec2=True):
    """Delete a Released PV with reclaim policy Delete that the driver
    provisioned: EC2 DeleteVolume, drop the provisioner finalizer, delete the PV."""
    name = pv["metadata"]["name"]
    handle = pv["spec"].get("csi", {}).get("volumeHandle") or \
        pv["spec"].get("awsElasticBlockStore", {}).get("volumeID", "").rsplit("/", 1)[-1] or None
    if use_ec2 and handle:
        try:
            bed.ec2().delete_volume(VolumeId=handle)
        except Exception as e:  # botocore ClientError
            if "InvalidVolume.NotFound" not in str(e):
                msg = (f'rpc error: code = Internal desc = Could not delete volume ID "{handle}": '
                       + _aws_error("DeleteVolume", "VolumeInUse" if "VolumeInUse" in str(e) else "Unknown", str(e)))
                bed.record_event(pv, "Warning", "VolumeFailedDelete", msg, component=controller_identity())
                return f"{name}: delete failed: {msg}"
    _remove_finalizer_as("pv", name, PROVISIONER_FINALIZER, "csi-provisioner")
    bed.kubectl("delete", "pv", name, "--wait=false", "--ignore-not-found")
    return f"{name}: deleted ({handle})"


def _remove_finalizer_as(kind, name, fin, manager):
    obj = bed.kget(kind, name, ignore_missing=True)
    if not obj or fin not in obj["metadata"].get("finalizers", []):
        return
    bed.patch(kind, name, {"metadata": {"finalizers": [f for f in obj["metadata"]["finalizers"] if f != fin],
                                        "resourceVersion": obj["metadata"]["resourceVersion"]}},
              manager=manager)


def _reclaimable(pv):
    return (pv.get("status", {}).get("phase") == "Released"
            and pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete"
            and pv["metadata"].get("annotations", {}).get("pv.kubernetes.io/provisioned-by") in (bed.DRIVER, INTREE_EBS))


def cmd_reclaim(a):
    pvs = [bed.kget("pv", n) for n in a.names] if a.names else bed.kget("pv")["items"]
    done = 0
    for pv in pvs:
        if a.names or _reclaimable(pv):
            print(reclaim(pv, not a.no_ec2))
            done += 1
    if not done:
        print("nothing to reclaim")


def cmd_provisioner_run(a):
    print(f"provisioner-sim: provisioning claims for {bed.DRIVER} every {a.interval}s", flush=True)
    while True:
        try:
            for pvc in bed.kget("pvc")["items"]:
                ann = pvc["metadata"].get("annotations", {})
                if pvc["spec"].get("volumeName") or pvc.get("status", {}).get("phase") != "Pending":
                    continue
                if ann.get("volume.kubernetes.io/storage-provisioner") != bed.DRIVER:
                    continue
                if pvc["metadata"].get("deletionTimestamp"):
                    continue
                sc = bed.kget("storageclass", pvc["spec"].get("storageClassName") or "-", ignore_missing=True)
                if not sc:
                    continue
                if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and \
                        "volume.kubernetes.io/selected-node" not in ann:
                    continue
                try:
                    print(provision(pvc, None, not a.no_ec2, a.topology_key), flush=True)
                except BedError as e:
                    print(f"provisioner-sim: {pvc['metadata']['namespace']}/{pvc['metadata']['name']}: {e}",
                          file=sys.stderr, flush=True)
            for pv in bed.kget("pv")["items"]:
                if _reclaimable(pv):
                    print(reclaim(pv, not a.no_ec2), flush=True)
        except BedError as e:
            print(f"provisioner-sim: {e}", file=sys.stderr, flush=True)
        if a.once:
            return
        time.sleep(a.interval)


def provisioner_main(argv):
    p = argparse.ArgumentParser(prog="provisioner-sim", description=(
        "Stands in for the external-provisioner sidecar of ebs.csi.aws.com and the driver's "
        "CreateVolume (EC2 CreateVolume on moto)."))
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("provision", help="create the EBS volume and the PV for a claim (the real binder binds it)")
    s.add_argument("pvc"); s.add_argument("-n", "--namespace", default="default")
    s.add_argument("--zone", help="default: selected-node's zone, else allowedTopologies, else one of the bed's zones")
    s.add_argument("--topology-key", default="topology.kubernetes.io/zone",
                   help="PV node affinity key (driver >= 1.33 uses topology.kubernetes.io/zone, "
                        "older topology.ebs.csi.aws.com/zone)")
    s.add_argument("--volume-id", help="use this volume id instead of creating one")
    s.add_argument("--no-ec2", action="store_true", help="do not create an EC2 volume (fake id unless --volume-id)")
    s.set_defaults(fn=cmd_provision)
    s = sub.add_parser("fail", help="Provisioning + ProvisioningFailed events with the provisioner's wording")
    s.add_argument("pvc"); s.add_argument("-n", "--namespace", default="default")
    s.add_argument("--message", required=True, help="the driver error, e.g. 'rpc error: code = ... desc = ...'")
    s.set_defaults(fn=cmd_provision_fail)
    s = sub.add_parser("reclaim", help="delete Released PVs (policy Delete) provisioned by the driver, "
                       "and their EC2 volumes; named PVs are deleted whatever their phase")
    s.add_argument("names", nargs="*"); s.add_argument("--no-ec2", action="store_true")
    s.set_defaults(fn=cmd_reclaim)
    s = sub.add_parser("run", help="loop: provision pending claims of the driver (WaitForFirstConsumer after "
                       "selected-node) and reclaim Released Delete-policy PVs")
    s.add_argument("--interval", type=float, default=1.0); s.add_argument("--once", action="store_true")
    s.add_argument("--no-ec2", action="store_true")
    s.add_argument("--topology-key", default="topology.kubernetes.io/zone")
    s.set_defaults(fn=cmd_provisioner_run)
    return p.parse_args(argv)


# ------------------------------------------------------------------ resizer

FS_RESIZE_PENDING = "Waiting for user to (re-)start a pod to finish file system resize of volume on node."


def _pvc_condition(ctype, message=""):
    return {"type": ctype, "status": "True", "lastProbeTime": None,
            "lastTransitionTime": bed.rfc3339(), "message": message}


def cmd_resize(a):
    """One pass of the external-resizer over a claim whose request grew: the
    real expand controller must already have handed it to the driver."""
    pvc = bed.kget("pvc", a.pvc, a.namespace)
    ns, name = a.namespace, a.pvc
    pv = pv_for_claim(pvc)
    if not pv:
        raise BedError(f"claim {ns}/{name} is not bound")
    # The external-resizer takes claims whose PV is its driver's and whose request grew (the
    # 1.36 expand controller only says ExternalExpanding; it sets no resizer annotation on CSI
    # claims).
    if pv["spec"].get("csi", {}).get("driver") != bed.DRIVER:
        raise BedError(f"claim {ns}/{name}: PV {pv['metadata']['name']} is not a {bed.DRIVER} volume")
    if _gib(pvc["spec"]["resources"]["requests"]["storage"]) <= _gib(pvc.get("status", {}).get("capacity", {}).get("storage", "0")):
        raise BedError(f"claim {ns}/{name} did not ask for more than it has")
    pv_name = pv["metadata"]["name"]
    handle = pv["spec"].get("csi", {}).get("volumeHandle")
    want = pvc["spec"]["resources"]["requests"]["storage"]
    ident = controller_identity().replace(bed.DRIVER, "external-resizer " + bed.DRIVER, 1)
    # markPVCResizeInProgress
    bed.patch("pvc", name, {"status": {"conditions": [_pvc_condition("Resizing")],
                                       "allocatedResources": {"storage": want},
                                       "allocatedResourceStatuses": {"storage": "ControllerResizeInProgress"}}},
              ns=ns, subresource="status", manager="csi-resizer")
    bed.record_event(pvc, "Normal", "Resizing", f"External resizer is resizing volume {pv_name}", component=ident)
    if a.fail:
        msg = (f'resize volume "{pv_name}" by resizer "{bed.DRIVER}" failed: rpc error: code = Internal '
               f'desc = Could not resize volume "{handle}": {a.fail}')
        bed.record_event(pvc, "Warning", "VolumeResizeFailed", msg, component=ident)
        print(f"{ns}/{name}: VolumeResizeFailed: {msg}")
        return
    if handle and not a.no_ec2:
        bed.ec2().modify_volume(VolumeId=handle, Size=_gib(want))
    bed.patch("pv", pv_name, {"spec": {"capacity": {"storage": want}}}, manager="csi-resizer")
    # markForPendingNodeExpansion: the controller part is done, the kubelet grows the filesystem.
    bed.patch("pvc", name, {"status": {"conditions": [_pvc_condition("FileSystemResizePending", FS_RESIZE_PENDING)],
                                       "allocatedResourceStatuses": {"storage": "NodeResizePending"}}},
              ns=ns, subresource="status", manager="csi-resizer")
    bed.record_event(pvc, "Normal", "FileSystemResizeRequired", "Require file system resize of volume on node",
                     component=ident)
    print(f"{ns}/{name}: {pv_name} expanded to {want}; FileSystemResizePending")


def resizer_main(argv):
    p = argparse.ArgumentParser(prog="resizer-sim", description=(
        "Stands in for the external-resizer sidecar of ebs.csi.aws.com and the driver's "
        "ControllerExpandVolume (EC2 ModifyVolume on moto)."))
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("resize", help="expand the volume of a claim the expand controller handed to the "
                       "driver; leaves FileSystemResizePending for the kubelet")
    s.add_argument("pvc"); s.add_argument("-n", "--namespace", default="default")
    s.add_argument("--fail", metavar="ERROR", help="the driver's error instead, e.g. an EC2 "
                   "'VolumeModificationRateExceeded: ...' (writes VolumeResizeFailed)")
    s.add_argument("--no-ec2", action="store_true", help="do not call EC2 ModifyVolume")
    s.set_defaults(fn=cmd_resize)
    return p.parse_args(argv)


def main(role):
    parsers = {"kubelet": kubelet_main, "attacher": attacher_main, "provisioner": provisioner_main,
               "resizer": resizer_main}
    a = parsers[role](sys.argv[1:])
    try:
        a.fn(a)
    except (BedError, PublishError) as e:
        bed.die(str(e))
    except KeyboardInterrupt:
        pass
