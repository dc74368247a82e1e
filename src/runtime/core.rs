//! The dashboard without its terminal: the connection task, the worker, the
//! listener and the polling clock, feeding one channel of messages into
//! `update`. The terminal loop (`run`) draws `app` between steps and adds the
//! keyboard; [`spawn_headless`] runs the very same code with no screen, so
//! tests and the benchmark can open many dashboards and count what they cost.

use super::startup::{self, Session};
use super::worker::{self, Worker};
use crate::app::state::{Identity, ReadOnlyReason};
use crate::app::update::update;
use crate::app::{App, Msg};
use crate::config::Config;
use crate::db::listen::ListenConfig;
use chrono::Utc;
use color_eyre::eyre::{Report, Result};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::{Notify, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// While push updates flow: how often an idle dashboard re-reads what the
/// clock alone changes (KPI windows, SLA breaches). Between reads the app
/// advances those figures itself from each KPI load's schedule
/// (`db::kpis::KpiClock`), which reaches further than this…
pub const CLOCK_POLL: Duration = SAFETY_POLL;
/// …and how often it re-reads everything anyway, as a safety net (and for the
/// portfolio's activity-based risk, which moves by the day). A full reload
/// is about 15 statements (tests/team_full.rs counts them): every half hour
/// that is 0.5 a minute, beside the listener's 1⅓ pings.
pub const SAFETY_POLL: Duration = Duration::from_secs(3600);

pub struct Core {
    pub app: App,
    tx: UnboundedSender<Msg>,
    rx: UnboundedReceiver<Msg>,
    ready: oneshot::Receiver<Result<Session>>,
    connecting: JoinHandle<()>,
    live: Option<(Worker, JoinHandle<()>)>,
    tick: tokio::time::Interval,
    refresh: Duration,
    listen: ListenConfig,
    push: bool,
    last_reload: Instant,
    last_poll: Instant,
    /// Rung when the server refuses the query pool a connection: the
    /// listener's connection, still open, says how full it is.
    usage: Arc<Notify>,
    /// Idle read connections kept open: 0, but for the benchmark's emulation
    /// of the pool before issue 11 (see [`spawn_headless_holding`]).
    held: usize,
}

impl Core {
    /// Starts connecting in the background; the app exists at once.
    /// `push: false` is plain polling (CTODASH_NO_PUSH=1).
    pub fn start(cfg: &Config, listen: ListenConfig, push: bool) -> Core {
        let (tx, rx) = mpsc::unbounded_channel();
        let placeholder = Identity::ReadOnly(ReadOnlyReason::NotConnected);
        let mut app = App::new(Utc::now(), placeholder, "connecting…".into());
        app.alerts = cfg
            .alerts
            .iter()
            .cloned()
            .map(crate::app::alerting::AlertState::new)
            .collect();
        app.views = crate::app::state::ViewTabs::new(crate::views::all(&cfg.views));
        app.keys = cfg.keys.clone();
        let (ready_tx, ready) = oneshot::channel();
        let connecting = worker::spawn_guarded(
            tx.clone(),
            "connect",
            startup::connect_with_retry(cfg.clone(), tx.clone(), ready_tx),
        );
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let now = Instant::now();
        Core {
            app,
            tx,
            rx,
            ready,
            connecting,
            live: None,
            tick,
            refresh: cfg.refresh,
            listen,
            push,
            last_reload: now,
            last_poll: now,
            usage: Arc::new(Notify::new()),
            held: 0,
        }
    }

    /// Where messages from outside (keys) go in.
    pub fn sender(&self) -> UnboundedSender<Msg> {
        self.tx.clone()
    }

    /// Waits for the next message and applies it, with everything already
    /// queued behind it (a burst of results becomes one frame). Fails only
    /// when the session cannot be opened at all.
    pub async fn step(&mut self) -> Result<()> {
        let app = &self.app;
        // Poll slowly while changes are pushed to us, at `refresh_seconds`
        // while they are not.
        let poll_every = if app.push_live {
            CLOCK_POLL
        } else {
            self.refresh
        };
        // During an outage the reconnect probe retries with back-off, and its
        // success reloads everything: polling too would only knock harder on
        // a database that is not there.
        let polling = self.live.is_some() && crate::app::update::polls(app);
        let push_live = app.push_live;
        let msg = tokio::select! {
            Some(msg) = self.rx.recv() => msg,
            _ = self.tick.tick() => Msg::Tick(Utc::now()),
            _ = tokio::time::sleep_until(self.last_poll + poll_every), if polling => {
                if !push_live || self.last_reload.elapsed() >= SAFETY_POLL {
                    Msg::RefreshDue
                } else {
                    Msg::ClockDue
                }
            }
            ready = &mut self.ready, if self.live.is_none() => {
                let session: Session = match ready {
                    Ok(Ok(session)) => session,
                    Ok(Err(fatal)) => return Err(fatal),
                    Err(_) => return Err(Report::msg("the database connection task stopped unexpectedly")),
                };
                self.connected(session);
                Msg::ConnectionUp
            }
        };
        let queued: Vec<Msg> = std::iter::from_fn(|| self.rx.try_recv().ok()).collect();
        for msg in std::iter::once(msg).chain(queued) {
            self.handle(msg);
        }
        Ok(())
    }

    fn connected(&mut self, session: Session) {
        self.app.identity = session.identity.clone();
        self.app.source = session.source.clone();
        let tx = self.tx.clone();
        let pool = session.pool.clone();
        // A standby refuses LISTEN: there push is the polled change signal.
        let listener = if session.replica {
            self.app.replica = Some(Default::default());
            let poll = crate::db::replica::push::PollConfig::default();
            worker::spawn_guarded(
                tx.clone(),
                "listener",
                crate::db::replica::push::run(pool, tx, poll, self.usage.clone()),
            )
        } else {
            worker::spawn_guarded(
                tx.clone(),
                "listener",
                crate::db::listen::run_answering(pool, tx, self.listen, self.usage.clone()),
            )
        };
        if !self.push {
            listener.abort();
        }
        let mut worker = Worker::new(session.pool, session.edit, self.tx.clone());
        worker.writes = session.writes;
        worker.hold(self.held);
        self.live = Some((worker, listener));
    }

    /// Until the database is open there is no worker: commands are dropped,
    /// and the reload that follows the connection asks for everything again.
    fn handle(&mut self, msg: Msg) {
        let mut worker = self.live.as_mut().map(|l| &mut l.0);
        // Refused for want of slots: the listener's open connection counts
        // how full the server is, taking no slot of its own.
        if let Msg::ServerFull { status } = &msg
            && crate::db::capacity::is_server_status(status)
        {
            self.usage.notify_one();
        }
        if let (Msg::ConnectionDown { .. } | Msg::ServerFull { .. }, Some(w)) =
            (&msg, worker.as_deref_mut())
        {
            w.start_probe();
        }
        let cmds = update(&mut self.app, msg);
        let (everything, kpis) = crate::app::update::reloaded(&cmds);
        for cmd in cmds {
            if let Some(w) = worker.as_deref_mut() {
                w.run(cmd);
            }
        }
        if everything {
            self.last_reload = Instant::now();
        }
        if kpis {
            self.last_poll = Instant::now();
        }
    }

    /// Stops the background tasks; the pools close as they are dropped.
    pub async fn shutdown(self) {
        self.connecting.abort();
        if let Some((worker, listener)) = self.live {
            listener.abort();
            let _ = listener.await;
            worker.reads.close().await;
            worker.pool.close().await;
        }
    }
}

/// A dashboard running without a terminal: what tests and the benchmark open
/// many of. Its state after each step that changed it is in `app`.
pub struct Headless {
    /// Messages in, as keys would arrive (`Msg::Key`).
    pub tx: UnboundedSender<Msg>,
    pub app: Arc<Mutex<App>>,
    /// Bumped whenever `app` changed.
    changed: watch::Receiver<u64>,
    task: JoinHandle<Result<()>>,
}

/// Starts a dashboard with `cfg` and no screen.
pub fn spawn_headless(cfg: &Config, listen: ListenConfig) -> Headless {
    spawn_headless_holding(cfg, listen, 0)
}

/// [`spawn_headless`] whose read pool keeps `held` idle connections open, as
/// the pool before issue 11 did (`min_connections`): the benchmark's
/// baseline, whose held connections are the ones its reloads use.
pub fn spawn_headless_holding(cfg: &Config, listen: ListenConfig, held: usize) -> Headless {
    let mut core = Core::start(cfg, listen, true);
    core.held = held;
    let app = Arc::new(Mutex::new(core.app.clone()));
    let (bump, changed) = watch::channel(0u64);
    let shared = app.clone();
    let tx = core.sender();
    let task = tokio::spawn(async move {
        let result = loop {
            if core.app.should_quit || bump.is_closed() {
                break Ok(());
            }
            if let Err(e) = core.step().await {
                break Err(e);
            }
            if core.app.dirty {
                core.app.dirty = false;
                *shared.lock().unwrap_or_else(|p| p.into_inner()) = core.app.clone();
                bump.send_modify(|n| *n += 1);
            }
        };
        core.shutdown().await;
        result
    });
    Headless {
        tx,
        app,
        changed,
        task,
    }
}

impl Headless {
    /// A copy of the app as last published.
    pub fn snapshot(&self) -> App {
        self.app.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until the app satisfies `ready`, or `limit` passes; the error
    /// is the last state seen.
    pub async fn wait_for(
        &mut self,
        limit: Duration,
        ready: impl Fn(&App) -> bool,
    ) -> Result<App, Box<App>> {
        let deadline = Instant::now() + limit;
        loop {
            let app = self.snapshot();
            if ready(&app) {
                return Ok(app);
            }
            let next = tokio::time::timeout_at(deadline, self.changed.changed()).await;
            if !matches!(next, Ok(Ok(()))) {
                return Err(Box::new(self.snapshot()));
            }
        }
    }

    /// Ends the dashboard and waits until its connections are closed.
    pub async fn stop(self) -> Result<()> {
        let Headless {
            tx, changed, task, ..
        } = self;
        drop(changed);
        let _ = tx.send(Msg::Tick(Utc::now()));
        drop(tx);
        task.await.map_err(|e| Report::msg(e.to_string()))?
    }
}
