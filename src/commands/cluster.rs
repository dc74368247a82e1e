//! `ctodash db status` and `ctodash db stop`: the private PostgreSQL cluster
//! that discovery starts when it finds no server (`db::cluster`). It keeps
//! running after the dashboard quits, so the next start is instant; these
//! say where it is and stop it.

use crate::cli::DbCommand;
use crate::config::Config;
use crate::db::cluster::Cluster;
use crate::format::count;
use crate::text_safety::one_line as clean;
use color_eyre::eyre::Result;
use std::path::Path;

pub async fn run(cfg: &Config, cmd: &DbCommand) -> Result<()> {
    let dir = &cfg.data_dir;
    let shown = clean(&dir.display().to_string()).into_owned();
    let pgdata = dir.join("pgdata");
    if !pgdata.join("PG_VERSION").is_file() {
        println!(
            "No private cluster in {shown}: ctodash creates one there only when it finds no \
             PostgreSQL server to use.{}",
            if matches!(cmd, DbCommand::Stop) {
                " Nothing to stop."
            } else {
                ""
            }
        );
        return Ok(());
    }
    let cluster = Cluster::new(dir)?;
    let port = cluster.running_port().await?;
    match cmd {
        DbCommand::Status => {
            print!("{}", status(&cluster, port));
            Ok(())
        }
        DbCommand::Stop => {
            match port {
                None => println!("The private cluster in {shown} is not running; nothing to stop."),
                Some(port) => {
                    cluster.stop().await?;
                    println!(
                        "Stopped the private cluster in {shown} (port {port}). The next \
                         `ctodash` without a database URL starts it again."
                    );
                }
            }
            Ok(())
        }
    }
}

fn status(cluster: &Cluster, port: Option<u16>) -> String {
    let pgdata = cluster.pgdata();
    let show = |p: &Path| clean(&p.display().to_string()).into_owned();
    let version = std::fs::read_to_string(pgdata.join("PG_VERSION")).unwrap_or_default();
    let mut rows = vec![(
        "state",
        match port {
            Some(_) => "running".to_string(),
            None => "stopped".to_string(),
        },
    )];
    if let Some(port) = port {
        let pid = std::fs::read_to_string(pgdata.join("postmaster.pid"))
            .ok()
            .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
            .unwrap_or_else(|| "?".into());
        rows.push(("pid", pid));
        rows.push(("port", port.to_string()));
        rows.push((
            "socket",
            show(&cluster.socket_dir().join(format!(".s.PGSQL.{port}"))),
        ));
    }
    rows.extend([
        ("data dir", show(cluster.data_dir())),
        ("pgdata", show(&pgdata)),
        ("version", format!("PostgreSQL {}", version.trim())),
        ("size", size_text(dir_size(&pgdata))),
        ("log", show(&cluster.log_file())),
    ]);
    let mut out = String::new();
    for (k, v) in rows {
        out.push_str(&format!("{:<10}{v}\n", format!("{k}:")));
    }
    if port.is_some() {
        out.push_str("It keeps running after the dashboard quits; `ctodash db stop` stops it.\n");
    }
    out
}

/// Bytes under `dir`, following no symlinks; what cannot be read counts 0.
fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// "48.2 MB (50,528,256 bytes)".
fn size_text(bytes: u64) -> String {
    let mb = bytes as f64 / 1_000_000.0;
    format!("{mb:.1} MB ({} bytes)", count(bytes as i64))
}
