
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-storage' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-storage'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-storage' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user or service account (system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for each API request, e.g. 10s, 1m (default 30s)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--verbosity', '--verbosity', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region for EC2 cross-checks (default: the nodes'' providerID zone, then AWS_REGION, then the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (from ~/.aws/config) for EC2 cross-checks')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding at or above this severity is found')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('--no-aws', '--no-aws', [CompletionResultType]::ParameterName, 'Skip the EC2 cross-checks: EBS hops show as not checked')
            [CompletionResult]::new('--live-aws', '--live-aws', [CompletionResultType]::ParameterName, 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)')
            [CompletionResult]::new('--kubelet-stats', '--kubelet-stats', [CompletionResultType]::ParameterName, 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'Walk one chain and explain why it is (or is not) healthy')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Write everything `why` reads to a directory, for offline diagnosis and bug reports')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print a finding''s What / Why / Fix text (or list every code)')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-storage;why' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user or service account (system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for each API request, e.g. 10s, 1m (default 30s)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--verbosity', '--verbosity', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region for EC2 cross-checks (default: the nodes'' providerID zone, then AWS_REGION, then the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (from ~/.aws/config) for EC2 cross-checks')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding at or above this severity is found')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('--no-aws', '--no-aws', [CompletionResultType]::ParameterName, 'Skip the EC2 cross-checks: EBS hops show as not checked')
            [CompletionResult]::new('--live-aws', '--live-aws', [CompletionResultType]::ParameterName, 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)')
            [CompletionResult]::new('--kubelet-stats', '--kubelet-stats', [CompletionResultType]::ParameterName, 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-storage;dump' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user or service account (system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for each API request, e.g. 10s, 1m (default 30s)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--verbosity', '--verbosity', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region for EC2 cross-checks (default: the nodes'' providerID zone, then AWS_REGION, then the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (from ~/.aws/config) for EC2 cross-checks')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding at or above this severity is found')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('--no-aws', '--no-aws', [CompletionResultType]::ParameterName, 'Skip the EC2 cross-checks: EBS hops show as not checked')
            [CompletionResult]::new('--live-aws', '--live-aws', [CompletionResultType]::ParameterName, 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)')
            [CompletionResult]::new('--kubelet-stats', '--kubelet-stats', [CompletionResultType]::ParameterName, 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-storage;explain' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user or service account (system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for each API request, e.g. 10s, 1m (default 30s)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--verbosity', '--verbosity', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region for EC2 cross-checks (default: the nodes'' providerID zone, then AWS_REGION, then the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (from ~/.aws/config) for EC2 cross-checks')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding at or above this severity is found')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('--no-aws', '--no-aws', [CompletionResultType]::ParameterName, 'Skip the EC2 cross-checks: EBS hops show as not checked')
            [CompletionResult]::new('--live-aws', '--live-aws', [CompletionResultType]::ParameterName, 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)')
            [CompletionResult]::new('--kubelet-stats', '--kubelet-stats', [CompletionResultType]::ParameterName, 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-storage;completion' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the target (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user or service account (system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for each API request, e.g. 10s, 1m (default 30s)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--verbosity', '--verbosity', [CompletionResultType]::ParameterName, 'Verbosity: 1 prints what was read and how, 2 adds per-request detail')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region for EC2 cross-checks (default: the nodes'' providerID zone, then AWS_REGION, then the profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (from ~/.aws/config) for EC2 cross-checks')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding at or above this severity is found')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('--no-aws', '--no-aws', [CompletionResultType]::ParameterName, 'Skip the EC2 cross-checks: EBS hops show as not checked')
            [CompletionResult]::new('--live-aws', '--live-aws', [CompletionResultType]::ParameterName, 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)')
            [CompletionResult]::new('--kubelet-stats', '--kubelet-stats', [CompletionResultType]::ParameterName, 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-storage;help' {
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'Walk one chain and explain why it is (or is not) healthy')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Write everything `why` reads to a directory, for offline diagnosis and bug reports')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print a finding''s What / Why / Fix text (or list every code)')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-storage;help;why' {
            break
        }
        'kubectl-storage;help;dump' {
            break
        }
        'kubectl-storage;help;explain' {
            break
        }
        'kubectl-storage;help;completion' {
            break
        }
        'kubectl-storage;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
