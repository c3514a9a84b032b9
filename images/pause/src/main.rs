//! `pause`: the first process of every pod sandbox. It keeps the pod's namespaces alive, reaps processes
//! re-parented to it when the pod shares one PID namespace, and exits 0 on SIGINT or SIGTERM.

// Signal handlers and pause(2) have no safe std API; the unsafe blocks are the three libc calls.
#![allow(unsafe_code)]

extern "C" fn exit_now(_: libc::c_int) {
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(0) }
}

extern "C" fn reap(_: libc::c_int) {
    // SAFETY: waitpid is async-signal-safe; a null status pointer is allowed.
    while unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) } > 0 {}
}

fn handle(signal: libc::c_int, handler: extern "C" fn(libc::c_int)) -> std::io::Result<()> {
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler is a plain C function.
    let rc = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, std::ptr::null_mut())
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("-v") {
        println!("pause (ferrokube) {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    if std::process::id() != 1 {
        eprintln!("pause: warning: not running as PID 1");
    }
    for (signal, handler) in [
        (libc::SIGINT, exit_now as extern "C" fn(libc::c_int)),
        (libc::SIGTERM, exit_now),
        (libc::SIGCHLD, reap),
    ] {
        if let Err(e) = handle(signal, handler) {
            eprintln!("pause: cannot handle signal {signal}: {e}");
            std::process::exit(1);
        }
    }
    loop {
        // SAFETY: pause(2) only blocks until a signal arrives.
        unsafe { libc::pause() };
    }
}
