//! `ctodash completions SHELL`: the completion script clap derives from the
//! same definitions that parse the command line, so it never goes stale.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

pub fn run(shell: Shell) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "ctodash", &mut std::io::stdout());
}
