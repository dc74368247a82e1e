#![allow(dead_code)] // shared by several test and bench targets, each using a subset
//! Runs the real `ctodash` binary in a pseudo-terminal and reads its screen the
//! way a terminal would (vt100), with "wait until this text appears" helpers.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

/// CI machines are slower than laptops; waits scale with this factor.
fn patience() -> u32 {
    let default = if std::env::var_os("CI").is_some() {
        3
    } else {
        1
    };
    std::env::var("CTODASH_TEST_PATIENCE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Screen {
    pub fn spawn(args: &[String], envs: &[(&str, &str)], cols: u16, rows: u16) -> Screen {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ctodash"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("DATABASE_URL");
        cmd.env_remove("CTODASH_USER");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn ctodash");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let size =
            |n: u16| std::num::NonZeroU16::new(n).expect("a pty has at least one row and column");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(size(rows), size(cols), 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Screen {
            parser,
            raw,
            writer,
            child,
            _master: pair.master,
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    pub fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn in_alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    /// Everything the program wrote, as text (escape sequences included).
    pub fn raw_output(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }

    pub fn send(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .expect("write to pty");
        self.writer.flush().ok();
    }

    /// Types text one key at a time, as a person would.
    pub fn type_slowly(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Waits until `pred` holds for the screen text; panics with the screen if not.
    pub fn wait_until(&self, what: &str, seconds: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds) * patience();
        loop {
            let text = self.text();
            if pred(&text) {
                return text;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen was:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_for(&self, needle: &str, seconds: u64) -> String {
        self.wait_until(&format!("`{needle}`"), seconds, |t| t.contains(needle))
    }

    /// Waits for the process to exit; returns its success.
    pub fn wait_exit(&mut self, seconds: u64) -> bool {
        let deadline = Instant::now() + Duration::from_secs(seconds) * patience();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("ctodash did not exit; screen was:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
