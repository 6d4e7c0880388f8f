//! `kubectl_complete-storage`: what kubectl (1.26+) runs to complete `kubectl storage …`.

fn main() {
    let words: Vec<String> = std::env::args().skip(1).collect();
    kubectl_storage::complete::print_answer(&words);
}
