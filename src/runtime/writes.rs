//! The dashboard's writes besides the status dialog: one generic audited
//! change (single or bulk, or an undo), a new bug, a comment. Each runs on
//! its own task with the client's wait, on the primary when reads come from
//! a replica, and answers with one message.

use super::worker::Worker;
use crate::app::change::ChangeOutcome;
use crate::app::{Command, Msg};

pub fn run(worker: &mut Worker, cmd: Command) {
    let tx = worker.tx.clone();
    let msg = match cmd {
        Command::Apply(req) => Msg::Applied(ChangeOutcome::Failed {
            request: req.id,
            error: "not written yet".into(),
        }),
        Command::CreateBug(_) => Msg::Created(Err("not written yet".into())),
        Command::AddComment { bug, .. } => Msg::Commented {
            bug: bug.number,
            result: Err("not written yet".into()),
        },
        _ => return,
    };
    let _ = tx.send(msg);
}
