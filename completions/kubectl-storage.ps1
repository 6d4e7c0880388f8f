
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
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]')
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
            [CompletionResult]::new('preflight', 'preflight', [CompletionResultType]::ParameterValue, 'Check manifests (files, directories, stdin, Helm output) for storage mistakes before they are applied')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Every claim and volume in scope at once, plus orphaned EBS volumes: a summary table')
            [CompletionResult]::new('import-ebs', 'import-ebs', [CompletionResultType]::ParameterValue, 'Build PVs (and pre-bound claims) for existing EBS volumes; print them, or create with --apply')
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
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]')
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
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]')
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
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]')
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
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('--no-aws', '--no-aws', [CompletionResultType]::ParameterName, 'Skip the EC2 cross-checks: EBS hops show as not checked')
            [CompletionResult]::new('--live-aws', '--live-aws', [CompletionResultType]::ParameterName, 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)')
            [CompletionResult]::new('--kubelet-stats', '--kubelet-stats', [CompletionResultType]::ParameterName, 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-storage;preflight' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A manifest file, a directory (read recursively), or `-` for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'A manifest file, a directory (read recursively), or `-` for stdin (repeatable)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out paths matching this glob when walking a directory (repeatable; gitignore syntax, e.g. `--exclude ''charts/*/templates/**'' --exclude ''*.test.yaml''`)')
            [CompletionResult]::new('--sarif-file', '--sarif-file', [CompletionResultType]::ParameterName, 'Also write SARIF 2.1.0 to this file, whatever -o prints (e.g. `-o github --sarif-file storage.sarif` for annotations and code scanning from one run)')
            [CompletionResult]::new('--junit-file', '--junit-file', [CompletionResultType]::ParameterName, 'Also write JUnit XML to this file, whatever -o prints')
            [CompletionResult]::new('--ignore', '--ignore', [CompletionResultType]::ParameterName, 'Do not report this finding code (repeatable; see `kubectl storage explain`)')
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
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Render each directory holding a kustomization.yaml with `kubectl kustomize` and check the result (without it, or without kubectl on PATH, kustomizations are skipped with a hint)')
            [CompletionResult]::new('--cluster-check', '--cluster-check', [CompletionResultType]::ParameterName, 'Also read StorageClasses, PVs, CSIDrivers, CSINodes and Nodes from the kubeconfig''s cluster')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('--no-aws', '--no-aws', [CompletionResultType]::ParameterName, 'Skip the EC2 cross-checks: EBS hops show as not checked')
            [CompletionResult]::new('--live-aws', '--live-aws', [CompletionResultType]::ParameterName, 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)')
            [CompletionResult]::new('--kubelet-stats', '--kubelet-stats', [CompletionResultType]::ParameterName, 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-storage;scan' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector on pods and claims (k=v, k!=v, k in (a,b), …); a selected pod''s claims are included')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector on pods and claims (k=v, k!=v, k in (a,b), …); a selected pod''s claims are included')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only report findings about this kind of object (every rule still runs)')
            [CompletionResult]::new('--price-per-gb', '--price-per-gb', [CompletionResultType]::ParameterName, 'Monthly price per GB for an EBS volume type, e.g. gp3=0.0952 (repeatable; default: us-east-1 list prices)')
            [CompletionResult]::new('--unused-after', '--unused-after', [CompletionResultType]::ParameterName, 'A claim no Pod or workload template uses is a warning once older than this (pvc-unused; e.g. 30d, 12h)')
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
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Scan every namespace (the default unless -n is given; wins over -n)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Scan every namespace (the default unless -n is given; wins over -n)')
            [CompletionResult]::new('--details', '--details', [CompletionResultType]::ParameterName, 'Print every finding with its evidence and fix below the table')
            [CompletionResult]::new('--metrics-object-names', '--metrics-object-names', [CompletionResultType]::ParameterName, 'With -o prometheus: also one series per finding and per orphaned volume, naming the object (high cardinality; off by default)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('--no-aws', '--no-aws', [CompletionResultType]::ParameterName, 'Skip the EC2 cross-checks: EBS hops show as not checked')
            [CompletionResult]::new('--live-aws', '--live-aws', [CompletionResultType]::ParameterName, 'With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state)')
            [CompletionResult]::new('--kubelet-stats', '--kubelet-stats', [CompletionResultType]::ParameterName, 'Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-storage;import-ebs' {
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Select volumes carrying this tag (KEY=VALUE, repeatable: all must match)')
            [CompletionResult]::new('--fs-type', '--fs-type', [CompletionResultType]::ParameterName, 'Filesystem type the volume holds (ignored with --block)')
            [CompletionResult]::new('--storage-class', '--storage-class', [CompletionResultType]::ParameterName, 'storageClassName of the PV and claim (default "": no provisioner interferes)')
            [CompletionResult]::new('--driver', '--driver', [CompletionResultType]::ParameterName, 'CSI driver of the PVs: ebs.csi.aws.com, or ebs.csi.eks.amazonaws.com on EKS Auto Mode (default: the one the cluster runs)')
            [CompletionResult]::new('--claim', '--claim', [CompletionResultType]::ParameterName, 'Also create this claim (NAMESPACE/NAME, or NAME in -n), pre-bound to the PV. One volume only')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'PV name (one volume only; default: the volume''s CSIVolumeName tag, else imported-<vol id>)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, '`server`: ask the API server to validate the creates without persisting them')
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
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi [default: 2Gi for snapshots, 64Mi for manifests]')
            [CompletionResult]::new('--all-orphaned', '--all-orphaned', [CompletionResultType]::ParameterName, 'Select every available, Kubernetes-tagged volume that backs no PV (the orphaned-ebs-volume set)')
            [CompletionResult]::new('--block', '--block', [CompletionResultType]::ParameterName, 'volumeMode Block instead of Filesystem')
            [CompletionResult]::new('--legacy-topology-key', '--legacy-topology-key', [CompletionResultType]::ParameterName, 'Node affinity on topology.ebs.csi.aws.com/zone instead of topology.kubernetes.io/zone')
            [CompletionResult]::new('--legacy-in-tree', '--legacy-in-tree', [CompletionResultType]::ParameterName, 'Emit the in-tree awsElasticBlockStore source (volumeID aws://<zone>/vol-…) instead of CSI')
            [CompletionResult]::new('--claims-from-tags', '--claims-from-tags', [CompletionResultType]::ParameterName, 'Also create the claim named by each volume''s kubernetes.io/created-for/pvc/{namespace,name} tags')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Create the objects (create-only: never updates, patches or deletes)')
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
            [CompletionResult]::new('preflight', 'preflight', [CompletionResultType]::ParameterValue, 'Check manifests (files, directories, stdin, Helm output) for storage mistakes before they are applied')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Every claim and volume in scope at once, plus orphaned EBS volumes: a summary table')
            [CompletionResult]::new('import-ebs', 'import-ebs', [CompletionResultType]::ParameterValue, 'Build PVs (and pre-bound claims) for existing EBS volumes; print them, or create with --apply')
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
        'kubectl-storage;help;preflight' {
            break
        }
        'kubectl-storage;help;scan' {
            break
        }
        'kubectl-storage;help;import-ebs' {
            break
        }
        'kubectl-storage;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
