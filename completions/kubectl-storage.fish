# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_storage_global_optspecs
    string join \n kubeconfig= context= cluster= user= n/namespace= as= request-timeout= o/output= no-color v/verbosity= snapshot= region= profile= no-aws live-aws kubelet-stats fail-on= h/help V/version
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
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l request-timeout -d 'Timeout for each API request, e.g. 10s, 1m (default 30s)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'"
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request detail' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "why" -d 'Walk one chain and explain why it is (or is not) healthy'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "dump" -d 'Write everything `why` reads to a directory, for offline diagnosis and bug reports'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "explain" -d 'Print a finding\'s What / Why / Fix text (or list every code)'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "completion" -d 'Print a shell completion script (bash, zsh, fish, powershell)'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l request-timeout -d 'Timeout for each API request, e.g. 10s, 1m (default 30s)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request detail' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand why" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l request-timeout -d 'Timeout for each API request, e.g. 10s, 1m (default 30s)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request detail' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l request-timeout -d 'Timeout for each API request, e.g. 10s, 1m (default 30s)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request detail' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -s n -l namespace -d 'Namespace of the target (default: the context\'s namespace, else "default")' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l as -d 'Impersonate this user or service account (system:serviceaccount:NS:NAME)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l request-timeout -d 'Timeout for each API request, e.g. 10s, 1m (default 30s)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -s o -l output -d 'Output format' -r -f -a "human\t'The chain as a tree, then findings (default)'
json\t'One JSON object, schemaVersion 1'
yaml\t'The same object as YAML'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -s v -l verbosity -d 'Verbosity: 1 prints what was read and how, 2 adds per-request detail' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l snapshot -d 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l region -d 'AWS region for EC2 cross-checks (default: the nodes\' providerID zone, then AWS_REGION, then the profile)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l profile -d 'AWS profile (from ~/.aws/config) for EC2 cross-checks' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l fail-on -d 'Exit 1 when a finding at or above this severity is found' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l no-aws -d 'Skip the EC2 cross-checks: EBS hops show as not checked'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l live-aws -d 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -l kubelet-stats -d 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion help" -f -a "why" -d 'Walk one chain and explain why it is (or is not) healthy'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion help" -f -a "dump" -d 'Write everything `why` reads to a directory, for offline diagnosis and bug reports'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion help" -f -a "explain" -d 'Print a finding\'s What / Why / Fix text (or list every code)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion help" -f -a "completion" -d 'Print a shell completion script (bash, zsh, fish, powershell)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from why dump explain completion help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
