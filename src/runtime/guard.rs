//! Background tasks that cannot fail silently: a panic in one becomes
//! `Msg::WorkerFailed`, so the app stops and says why instead of waiting.

use crate::app::Msg;
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// Runs a background task; if it panics — a bug — the app hears of it as
/// `WorkerFailed` instead of waiting forever for an answer that cannot come.
pub fn spawn_guarded(
    tx: UnboundedSender<Msg>,
    task: &'static str,
    fut: impl Future<Output = ()> + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(guarded(tx, task, fut))
}

pub async fn guarded(tx: UnboundedSender<Msg>, task: &'static str, fut: impl Future<Output = ()>) {
    let fut = async move {
        injected_panic(task);
        fut.await
    };
    if let Err(panic) = AssertUnwindSafe(fut).catch_unwind().await {
        let error = panic_text(panic.as_ref());
        tracing::error!(task, %error, "background task panicked");
        let _ = tx.send(Msg::WorkerFailed {
            task: task.to_string(),
            error,
        });
    }
}

/// Test-only fault injection, compiled into debug builds only:
/// `CTODASH_TEST_PANIC=KPI` makes the KPI task panic, so a test of the real
/// binary can show that a panic ends the app cleanly.
fn injected_panic(task: &str) {
    if cfg!(debug_assertions) && std::env::var("CTODASH_TEST_PANIC").is_ok_and(|t| t == task) {
        panic!("injected panic in the {task} task (CTODASH_TEST_PANIC)");
    }
}

pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}
