//! Measuring a child process honestly: wall time, CPU time and peak resident memory.
//!
//! The central function is [`run`]: spawn the command, wait for it, then read
//! `getrusage(RUSAGE_CHILDREN)` — the kernel's own account of the waited-for child, including its
//! peak resident set (`ru_maxrss`), so no sample can miss a short peak. Because that account
//! covers *every* child a process ever waited for, [`via_child`] runs `syndic-bench measure` as an
//! intermediate process that has exactly one child: each figure belongs to one run only, and
//! nothing of the bench process itself (its generator or scorer) is counted.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// What a measured run used.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(crate) struct Measured {
    /// Wall time from spawn to exit, seconds.
    pub(crate) wall_s: f64,
    /// User CPU time, seconds (all threads).
    pub(crate) user_s: f64,
    /// System CPU time, seconds.
    pub(crate) sys_s: f64,
    /// Peak resident memory, MB (10⁶ bytes).
    pub(crate) max_rss_mb: f64,
    /// Exit code (None when killed by a signal).
    pub(crate) exit_code: Option<i32>,
}

/// Runs `command` as a child; its standard output goes to our standard error, so our standard
/// output carries only the measurement.
pub(crate) fn run(command: &[String]) -> anyhow::Result<Measured> {
    let (program, args) = command.split_first().context("no command to measure")?;
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .with_context(|| format!("running {program}"))?;
    let wall_s = start.elapsed().as_secs_f64();
    let usage = usage()?;
    Ok(Measured {
        wall_s,
        exit_code: status.code(),
        ..usage
    })
}

#[cfg(unix)]
fn usage() -> anyhow::Result<Measured> {
    use nix::sys::resource::{UsageWho, getrusage};
    let u = getrusage(UsageWho::RUSAGE_CHILDREN).context("getrusage")?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    // Linux reports ru_maxrss in KiB, macOS in bytes.
    let rss_bytes = if cfg!(target_os = "macos") {
        u.max_rss() as f64
    } else {
        u.max_rss() as f64 * 1024.0
    };
    Ok(Measured {
        wall_s: 0.0,
        user_s: secs(u.user_time()),
        sys_s: secs(u.system_time()),
        max_rss_mb: rss_bytes / 1e6,
        exit_code: None,
    })
}

#[cfg(not(unix))]
fn usage() -> anyhow::Result<Measured> {
    bail!("measuring a child's memory needs a unix system")
}

/// Runs `command` under `<exe> measure` and returns its measurement.
pub(crate) fn via_child(exe: &Path, command: &[String]) -> anyhow::Result<Measured> {
    let out = Command::new(exe)
        .arg("measure")
        .arg("--")
        .args(command)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {} measure", exe.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(line) = text.lines().rev().find(|l| l.starts_with('{')) else {
        bail!("`{}` printed no measurement", command.join(" "));
    };
    serde_json::from_str(line).with_context(|| format!("reading measurement `{line}`"))
}
