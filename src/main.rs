fn main() -> std::process::ExitCode {
    kubectl_storage::cli::main()
}
