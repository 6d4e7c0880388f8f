#!/usr/bin/env python3
"""Records one released archive in krew-manifest.yaml (its uri and sha256, and the version).

The manifest is written whole from the entries already in it plus this one: platforms are keyed by
os/arch, so re-releasing a platform replaces its entry and other platforms are kept.
"""
import argparse
import json
import os
import re

HOMEPAGE = "https://github.com/kubectl-storage/kubectl-storage"
SHORT = "Explain why a stateful Pod's storage (PVC, PV, CSI, EBS) is stuck"
DESCRIPTION = """\
Walks Pod -> PVC -> PV -> StorageClass -> CSI driver -> VolumeAttachment -> Node
and the AWS EBS volume behind it, cross-checks Kubernetes against EC2, and prints
the root cause first, with the evidence and the fix: stuck binds, missing
provisioners, zone mismatches, attach limits, multi-attach, failed mounts, drift.

  kubectl storage why pod/db-0 -n prod

Permissions: read-only (get/list on pods, persistentvolumeclaims, persistentvolumes,
nodes, events, storageclasses, csidrivers, csinodes, volumeattachments,
statefulsets); deploy/rbac-readonly.yaml in the repository has the ClusterRole.
EC2 checks use the standard AWS credential chain and need ec2:DescribeVolumes and
ec2:DescribeInstances; --no-aws skips them.
"""
CAVEATS = """\
Shell completion of `kubectl storage <TAB>` (kubectl 1.26+) uses the
kubectl_complete-storage executable from this archive: link it next to the
plugin, e.g.
  ln -s "$(dirname "$(command -v kubectl-storage)")"/../store/storage/*/kubectl_complete-storage \\
        "${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-storage"
"""

def load_platforms(path):
    if not os.path.exists(path):
        return {}
    text = open(path).read()
    # The manifest is our own output: its platforms block is JSON-in-YAML, one per line.
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*- (\{.*\})\s*$", line)
        if m:
            p = json.loads(m.group(1))
            sel = p["selector"]["matchLabels"]
            out[(sel["os"], sel["arch"])] = p
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--os", required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--sha256", required=True)
    ap.add_argument("--archive", required=True)
    ap.add_argument("--manifest", default="krew-manifest.yaml")
    a = ap.parse_args()
    platforms = load_platforms(a.manifest)
    exe = ".exe" if a.os == "windows" else ""
    platforms[(a.os, a.arch)] = {
        "selector": {"matchLabels": {"os": a.os, "arch": a.arch}},
        "uri": f"{HOMEPAGE}/releases/download/{a.version}/{a.archive}",
        "sha256": a.sha256,
        "files": [
            {"from": f"kubectl-storage{exe}", "to": "."},
            {"from": f"kubectl_complete-storage{exe}", "to": "."},
            {"from": "LICENSE", "to": "."},
        ],
        "bin": f"kubectl-storage{exe}",
    }
    lines = [
        "# Written by scripts/release (scripts/krew-manifest.py): one platform entry per released archive.",
        "# Published through the project's own krew index: kubectl krew index add storage <index repo>",
        "apiVersion: krew.googlecontainertools.github.com/v1alpha2",
        "kind: Plugin",
        "metadata:",
        "  name: storage",
        "spec:",
        f"  version: {a.version}",
        f"  homepage: {HOMEPAGE}",
        f"  shortDescription: {json.dumps(SHORT)}",
        "  description: |",
        *["    " + l if l else "" for l in DESCRIPTION.splitlines()],
        "  caveats: |",
        *["    " + l if l else "" for l in CAVEATS.splitlines()],
        "  platforms:",
        *[f"  - {json.dumps(p)}" for _, p in sorted(platforms.items())],
    ]
    open(a.manifest, "w").write("\n".join(lines) + "\n")

main()
