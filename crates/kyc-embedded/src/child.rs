//! A child process supervised by a thread of its own, which spawns it, waits for it and
//! restarts it when it exits unasked.
//!
//! The spawning thread matters: Linux delivers the parent-death signal when the thread that
//! forked the child ends, not the process. The supervisor thread lives until the child is
//! stopped, so the signal arrives exactly when kycd dies (a `kill -9` included).

use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::EmbeddedError;

/// Builds the command of each (re)start, after any preparation it needs.
pub(crate) type Launch = Box<dyn FnMut() -> Result<Command, EmbeddedError> + Send>;

/// A supervised child process.
pub(crate) struct Supervised {
    name: &'static str,
    pid: Arc<AtomicI32>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    stop_signal: Signal,
}

impl Supervised {
    /// Starts `launch`'s command from a new supervisor thread; the child gets `stop_signal`
    /// when kycd dies and when it is stopped. Returns once the first spawn succeeded or failed.
    pub(crate) fn start(
        name: &'static str,
        stop_signal: Signal,
        mut launch: Launch,
    ) -> Result<Self, EmbeddedError> {
        let pid = Arc::new(AtomicI32::new(0));
        let stopping = Arc::new(AtomicBool::new(false));
        let (first_tx, first_rx) = mpsc::channel::<Result<(), EmbeddedError>>();
        let thread = {
            let (pid, stopping) = (Arc::clone(&pid), Arc::clone(&stopping));
            std::thread::Builder::new()
                .name(format!("supervise-{name}"))
                .spawn(move || {
                    let mut first = Some(first_tx);
                    let mut restarts: u32 = 0;
                    loop {
                        let spawned = launch().and_then(|mut command| {
                            spawn_dying_with_this_thread(&mut command, stop_signal).map_err(
                                |source| EmbeddedError::Io {
                                    what: "starting",
                                    path: command.get_program().into(),
                                    source,
                                },
                            )
                        });
                        let mut child: Child = match spawned {
                            Ok(child) => child,
                            Err(error) => {
                                if let Some(first) = first.take() {
                                    let _ = first.send(Err(error));
                                    return;
                                }
                                tracing::error!(child = name, %error, "cannot restart");
                                if pause_unless_stopping(&stopping, backoff(restarts)) {
                                    return;
                                }
                                restarts = restarts.saturating_add(1);
                                continue;
                            }
                        };
                        pid.store(i32::try_from(child.id()).unwrap_or(0), Ordering::SeqCst);
                        if let Some(first) = first.take() {
                            let _ = first.send(Ok(()));
                        }
                        let status = child.wait();
                        pid.store(0, Ordering::SeqCst);
                        if stopping.load(Ordering::SeqCst) {
                            return;
                        }
                        tracing::error!(child = name, ?status, "exited unasked; restarting it");
                        if pause_unless_stopping(&stopping, backoff(restarts)) {
                            return;
                        }
                        restarts = restarts.saturating_add(1);
                    }
                })
                .map_err(EmbeddedError::io("starting the supervisor of", name))?
        };
        let supervised = Self {
            name,
            pid,
            stopping,
            thread: Some(thread),
            stop_signal,
        };
        match first_rx.recv() {
            Ok(Ok(())) => Ok(supervised),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(EmbeddedError::NotReady {
                name,
                reason: "its supervisor thread ended".to_owned(),
                log: std::path::PathBuf::new(),
            }),
        }
    }

    /// The running child's process id.
    pub(crate) fn pid(&self) -> Option<i32> {
        Some(self.pid.load(Ordering::SeqCst)).filter(|pid| *pid > 0)
    }

    /// Stops the child: its stop signal, then `SIGKILL` if it has not exited after `grace`.
    pub(crate) fn stop(&mut self, grace: Duration) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        if let Some(pid) = self.pid() {
            let _ = kill(Pid::from_raw(pid), self.stop_signal);
        }
        let deadline = Instant::now() + grace;
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !thread.is_finished() {
            tracing::warn!(child = self.name, "did not stop in time; killing it");
            if let Some(pid) = self.pid() {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
        let _ = thread.join();
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(30));
    }
}

/// The pause before restart number `restarts`: 1 s doubling to 30 s.
fn backoff(restarts: u32) -> Duration {
    Duration::from_secs(1u64 << restarts.min(5)).min(Duration::from_secs(30))
}

/// Sleeps `pause` in short steps; true when a stop was asked meanwhile.
fn pause_unless_stopping(stopping: &AtomicBool, pause: Duration) -> bool {
    let deadline = Instant::now() + pause;
    while Instant::now() < deadline {
        if stopping.load(Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    stopping.load(Ordering::SeqCst)
}

/// Spawns `command` so that the child gets `signal` when the calling thread ends.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn spawn_dying_with_this_thread(command: &mut Command, signal: Signal) -> std::io::Result<Child> {
    use std::os::unix::process::CommandExt as _;
    let parent = nix::unistd::getpid();
    // SAFETY: the closure runs in the forked child before exec. It makes two system calls that
    // are async-signal-safe (prctl, getppid) and neither allocates nor takes a lock. It runs
    // after std has switched to the command's uid and gid, which would otherwise clear the
    // parent-death signal.
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(signal).map_err(std::io::Error::from)?;
            // The parent may have died before the signal was armed.
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
            }
            Ok(())
        });
    }
    command.spawn()
}

/// Elsewhere there is no parent-death signal: the child outlives a killed kycd, and the next
/// start finds its pid file (see `postgres`).
#[cfg(not(target_os = "linux"))]
fn spawn_dying_with_this_thread(command: &mut Command, _signal: Signal) -> std::io::Result<Child> {
    command.spawn()
}
