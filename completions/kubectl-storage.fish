# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_storage_global_optspecs
    string join \n kubeconfig= context= cluster= user= n/namespace= as= as-group= token= s/server= certificate-authority= insecure-skip-tls-verify tls-server-name= request-timeout= o/output= no-color color= v/verbosity= snapshot= region= profile= aws-timeout= no-aws live-aws kubelet-stats fail-on= max-file-size= h/help V/version
end

function __fish_kubectl_storage_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_storage_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_storage_using_subcommand
    set -l cmd (__fish_kubectl_storage_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l context -d 'The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l as-group -d 'Group to impersonate, with --as (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l token -d 'Bearer token for the API server (replaces the kubeconfig user\'s credentials)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l certificate-authority -d 'Path to a PEM file of certificate authorities for the API server\'s certificate' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l tls-server-name -d 'Server name to check the API server\'s certificate against (default: the server\'s host)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l request-timeout -d 'Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms) or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'
sarif\t'SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations'
junit\t'JUnit XML: one test case per object and rule'
github\t'GitHub Actions annotations (`::error file=…,line=…::…`)'
prometheus\t'Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway'"
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l color -d 'Colour: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6 logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted). RUST_LOG overrides' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l aws-timeout -d 'How long the AWS credential chain may take (SSO, MFA, credential_process) [default: --request-timeout]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l max-file-size -d 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure)'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l no-color -d 'Never colour the output (same as --color=never)'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "why" -d 'Walk one chain and explain why it is (or is not) healthy'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "dump" -d 'Write everything `why` reads to a directory, for offline diagnosis and bug reports'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "explain" -d 'Print a finding\'s What / Why / Fix text (or list every code)'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "completion" -d 'Print a shell completion script (bash, zsh, fish, powershell)'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "preflight" -d 'Check manifests (files, directories, stdin, Helm output) for storage mistakes before they are applied'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "scan" -d 'Every claim and volume in scope at once, plus orphaned EBS volumes: a summary table'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "import-ebs" -d 'Build PVs (and pre-bound claims) for existing EBS volumes; print them, or create with --apply'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "serve" -d 'Scan on an interval and serve the last scan\'s metrics (`/metrics`, `/healthz`) over HTTP'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s l -l selector -d 'Diagnose every pod matching this label selector (k=v, k!=v, k in (a,b), …) instead of one TARGET' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l timeout -d 'With --watch: give up after this long (e.g. 90s, 10m, 1h) [default: 10m]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l context -d 'The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l as-group -d 'Group to impersonate, with --as (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l token -d 'Bearer token for the API server (replaces the kubeconfig user\'s credentials)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l certificate-authority -d 'Path to a PEM file of certificate authorities for the API server\'s certificate' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l tls-server-name -d 'Server name to check the API server\'s certificate against (default: the server\'s host)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l request-timeout -d 'Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms) or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'
sarif\t'SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations'
junit\t'JUnit XML: one test case per object and rule'
github\t'GitHub Actions annotations (`::error file=…,line=…::…`)'
prometheus\t'Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l color -d 'Colour: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6 logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted). RUST_LOG overrides' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l aws-timeout -d 'How long the AWS credential chain may take (SSO, MFA, credential_process) [default: --request-timeout]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l max-file-size -d 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s A -l all-namespaces -d 'With -l (or alone: every pod), look in every namespace'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s w -l watch -d 'Keep watching: diagnose again whenever the chain\'s objects or events change, print each change of verdict with its time; exit 0 once nothing trips --fail-on, 1 at --timeout'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l no-color -d 'Never colour the output (same as --color=never)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l context -d 'The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l as-group -d 'Group to impersonate, with --as (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l token -d 'Bearer token for the API server (replaces the kubeconfig user\'s credentials)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l certificate-authority -d 'Path to a PEM file of certificate authorities for the API server\'s certificate' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l tls-server-name -d 'Server name to check the API server\'s certificate against (default: the server\'s host)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l request-timeout -d 'Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms) or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'
sarif\t'SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations'
junit\t'JUnit XML: one test case per object and rule'
github\t'GitHub Actions annotations (`::error file=…,line=…::…`)'
prometheus\t'Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l color -d 'Colour: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6 logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted). RUST_LOG overrides' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l aws-timeout -d 'How long the AWS credential chain may take (SSO, MFA, credential_process) [default: --request-timeout]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l max-file-size -d 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l no-color -d 'Never colour the output (same as --color=never)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l context -d 'The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l as-group -d 'Group to impersonate, with --as (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l token -d 'Bearer token for the API server (replaces the kubeconfig user\'s credentials)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l certificate-authority -d 'Path to a PEM file of certificate authorities for the API server\'s certificate' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l tls-server-name -d 'Server name to check the API server\'s certificate against (default: the server\'s host)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l request-timeout -d 'Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms) or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'
sarif\t'SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations'
junit\t'JUnit XML: one test case per object and rule'
github\t'GitHub Actions annotations (`::error file=…,line=…::…`)'
prometheus\t'Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l color -d 'Colour: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6 logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted). RUST_LOG overrides' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l aws-timeout -d 'How long the AWS credential chain may take (SSO, MFA, credential_process) [default: --request-timeout]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l max-file-size -d 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l no-color -d 'Never colour the output (same as --color=never)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l context -d 'The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l as-group -d 'Group to impersonate, with --as (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l token -d 'Bearer token for the API server (replaces the kubeconfig user\'s credentials)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l certificate-authority -d 'Path to a PEM file of certificate authorities for the API server\'s certificate' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l tls-server-name -d 'Server name to check the API server\'s certificate against (default: the server\'s host)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l request-timeout -d 'Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms) or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'
sarif\t'SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations'
junit\t'JUnit XML: one test case per object and rule'
github\t'GitHub Actions annotations (`::error file=…,line=…::…`)'
prometheus\t'Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l color -d 'Colour: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6 logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted). RUST_LOG overrides' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l aws-timeout -d 'How long the AWS credential chain may take (SSO, MFA, credential_process) [default: --request-timeout]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l max-file-size -d 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l no-color -d 'Never colour the output (same as --color=never)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -s f -l filename -d 'A manifest file, a directory (read recursively), or `-` for stdin (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l exclude -d 'Leave out paths matching this glob when walking a directory (repeatable; gitignore syntax, e.g. `--exclude \'charts/*/templates/**\' --exclude \'*.test.yaml\'`)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l sarif-file -d 'Also write SARIF 2.1.0 to this file, whatever -o prints (e.g. `-o github --sarif-file storage.sarif` for annotations and code scanning from one run)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l junit-file -d 'Also write JUnit XML to this file, whatever -o prints' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l ignore -d 'Do not report this finding code (repeatable; see `kubectl storage explain`)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l context -d 'The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l as-group -d 'Group to impersonate, with --as (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l token -d 'Bearer token for the API server (replaces the kubeconfig user\'s credentials)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l certificate-authority -d 'Path to a PEM file of certificate authorities for the API server\'s certificate' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l tls-server-name -d 'Server name to check the API server\'s certificate against (default: the server\'s host)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l request-timeout -d 'Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms) or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'
sarif\t'SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations'
junit\t'JUnit XML: one test case per object and rule'
github\t'GitHub Actions annotations (`::error file=…,line=…::…`)'
prometheus\t'Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l color -d 'Colour: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6 logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted). RUST_LOG overrides' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l aws-timeout -d 'How long the AWS credential chain may take (SSO, MFA, credential_process) [default: --request-timeout]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l max-file-size -d 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l kustomize -d 'Render each directory holding a kustomization.yaml with `kubectl kustomize` and check the result (without it, or without kubectl on PATH, kustomizations are skipped with a hint)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l cluster-check -d 'Also read StorageClasses, PVs, CSIDrivers, CSINodes and Nodes from the kubeconfig\'s cluster'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l no-color -d 'Never colour the output (same as --color=never)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand preflight" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -s l -l selector -d 'Label selector on pods and claims (k=v, k!=v, k in (a,b), …); a selected pod\'s claims are included' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l kind -d 'Only report findings about this kind of object (every rule still runs)' -r -f -a "pvc\t'Findings about PersistentVolumeClaims'
pv\t'Findings about PersistentVolumes and their EBS volumes (orphans included)'
pod\t'Findings about Pods'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l price-per-gb -d 'Monthly price per GB for an EBS volume type, e.g. gp3=0.0952 (repeatable; default: us-east-1 list prices)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l unused-after -d 'A claim no Pod or workload template uses is a warning once older than this (pvc-unused; e.g. 30d, 12h)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l parallel -d 'With several contexts: how many clusters are read at once' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l aws-profile-for -d 'The AWS profile for one context\'s EC2 reads, CONTEXT=PROFILE (repeatable; others use --profile or the default chain)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l context -d 'The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l as-group -d 'Group to impersonate, with --as (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l token -d 'Bearer token for the API server (replaces the kubeconfig user\'s credentials)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l certificate-authority -d 'Path to a PEM file of certificate authorities for the API server\'s certificate' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l tls-server-name -d 'Server name to check the API server\'s certificate against (default: the server\'s host)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l request-timeout -d 'Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms) or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'
sarif\t'SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations'
junit\t'JUnit XML: one test case per object and rule'
github\t'GitHub Actions annotations (`::error file=…,line=…::…`)'
prometheus\t'Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l color -d 'Colour: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6 logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted). RUST_LOG overrides' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l aws-timeout -d 'How long the AWS credential chain may take (SSO, MFA, credential_process) [default: --request-timeout]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l max-file-size -d 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -s A -l all-namespaces -d 'Scan every namespace (the default unless -n is given; wins over -n)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l details -d 'Print every finding with its evidence and fix below the table'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l metrics-object-names -d 'With -o prometheus: also one series per finding and per orphaned volume, naming the object (high cardinality; off by default)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l all-contexts -d 'Scan every context of the kubeconfig (merged from $KUBECONFIG), one cluster each'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l no-color -d 'Never colour the output (same as --color=never)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l tag -d 'Select volumes carrying this tag (KEY=VALUE, repeatable: all must match)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l fs-type -d 'Filesystem type the volume holds (ignored with --block)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l storage-class -d 'storageClassName of the PV and claim (default "": no provisioner interferes)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l driver -d 'CSI driver of the PVs: ebs.csi.aws.com, or ebs.csi.eks.amazonaws.com on EKS Auto Mode (default: the one the cluster runs)' -r -f -a "ebs.csi.aws.com\t''
ebs.csi.eks.amazonaws.com\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l claim -d 'Also create this claim (NAMESPACE/NAME, or NAME in -n), pre-bound to the PV. One volume only' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l name -d 'PV name (one volume only; default: the volume\'s CSIVolumeName tag, else imported-<vol id>)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l dry-run -d '`server`: ask the API server to validate the creates without persisting them' -r -f -a "client\t'Print the plan, create nothing (the default without --apply)'
server\t'Send the creates with dryRun=All: the API server validates and admits, nothing persists'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l context -d 'The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l as-group -d 'Group to impersonate, with --as (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l token -d 'Bearer token for the API server (replaces the kubeconfig user\'s credentials)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l certificate-authority -d 'Path to a PEM file of certificate authorities for the API server\'s certificate' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l tls-server-name -d 'Server name to check the API server\'s certificate against (default: the server\'s host)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l request-timeout -d 'Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms) or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'
sarif\t'SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations'
junit\t'JUnit XML: one test case per object and rule'
github\t'GitHub Actions annotations (`::error file=…,line=…::…`)'
prometheus\t'Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l color -d 'Colour: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6 logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted). RUST_LOG overrides' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l aws-timeout -d 'How long the AWS credential chain may take (SSO, MFA, credential_process) [default: --request-timeout]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l max-file-size -d 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l all-orphaned -d 'Select every available, Kubernetes-tagged volume that backs no PV (the orphaned-ebs-volume set)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l block -d 'volumeMode Block instead of Filesystem'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l legacy-topology-key -d 'Node affinity on topology.ebs.csi.aws.com/zone instead of topology.kubernetes.io/zone'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l legacy-in-tree -d 'Emit the in-tree awsElasticBlockStore source (volumeID aws://<zone>/vol-…) instead of CSI'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l claims-from-tags -d 'Also create the claim named by each volume\'s kubernetes.io/created-for/pvc/{namespace,name} tags'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l apply -d 'Create the objects (create-only: never updates, patches or deletes)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l no-color -d 'Never colour the output (same as --color=never)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand import-ebs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -s l -l selector -d 'Label selector on pods and claims (k=v, k!=v, k in (a,b), …); a selected pod\'s claims are included' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l kind -d 'Only report findings about this kind of object (every rule still runs)' -r -f -a "pvc\t'Findings about PersistentVolumeClaims'
pv\t'Findings about PersistentVolumes and their EBS volumes (orphans included)'
pod\t'Findings about Pods'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l price-per-gb -d 'Monthly price per GB for an EBS volume type, e.g. gp3=0.0952 (repeatable; default: us-east-1 list prices)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l unused-after -d 'A claim no Pod or workload template uses is a warning once older than this (pvc-unused; e.g. 30d, 12h)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l parallel -d 'With several contexts: how many clusters are read at once' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l aws-profile-for -d 'The AWS profile for one context\'s EC2 reads, CONTEXT=PROFILE (repeatable; others use --profile or the default chain)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l listen -d 'Address to listen on: HOST:PORT, or :PORT for every interface' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l interval -d 'Time between the end of one scan and the start of the next (e.g. 5m, 30s, 100ms)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l max-scans -d 'Stop after this many scans (tests and benchmarks; 0: never)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l context -d 'The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l as-group -d 'Group to impersonate, with --as (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l token -d 'Bearer token for the API server (replaces the kubeconfig user\'s credentials)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l certificate-authority -d 'Path to a PEM file of certificate authorities for the API server\'s certificate' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l tls-server-name -d 'Server name to check the API server\'s certificate against (default: the server\'s host)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l request-timeout -d 'Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms) or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'
sarif\t'SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations'
junit\t'JUnit XML: one test case per object and rule'
github\t'GitHub Actions annotations (`::error file=…,line=…::…`)'
prometheus\t'Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l color -d 'Colour: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6 logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted). RUST_LOG overrides' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l aws-timeout -d 'How long the AWS credential chain may take (SSO, MFA, credential_process) [default: --request-timeout]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l max-file-size -d 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -s A -l all-namespaces -d 'Scan every namespace (the default unless -n is given; wins over -n)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l details -d 'Print every finding with its evidence and fix below the table'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l metrics-object-names -d 'With -o prometheus: also one series per finding and per orphaned volume, naming the object (high cardinality; off by default)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l all-contexts -d 'Scan every context of the kubeconfig (merged from $KUBECONFIG), one cluster each'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l no-color -d 'Never colour the output (same as --color=never)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion preflight scan import-ebs serve help" -f -a "why" -d 'Walk one chain and explain why it is (or is not) healthy'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion preflight scan import-ebs serve help" -f -a "dump" -d 'Write everything `why` reads to a directory, for offline diagnosis and bug reports'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion preflight scan import-ebs serve help" -f -a "explain" -d 'Print a finding\'s What / Why / Fix text (or list every code)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion preflight scan import-ebs serve help" -f -a "completion" -d 'Print a shell completion script (bash, zsh, fish, powershell)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion preflight scan import-ebs serve help" -f -a "preflight" -d 'Check manifests (files, directories, stdin, Helm output) for storage mistakes before they are applied'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion preflight scan import-ebs serve help" -f -a "scan" -d 'Every claim and volume in scope at once, plus orphaned EBS volumes: a summary table'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion preflight scan import-ebs serve help" -f -a "import-ebs" -d 'Build PVs (and pre-bound claims) for existing EBS volumes; print them, or create with --apply'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion preflight scan import-ebs serve help" -f -a "serve" -d 'Scan on an interval and serve the last scan\'s metrics (`/metrics`, `/healthz`) over HTTP'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion preflight scan import-ebs serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
