//! WebRTC tests must never use the machine's real interfaces, so the test binary runs itself again
//! inside a network namespace of its own: loopback for Chromium (with
//! `--allow-loopback-in-peer-connection`) and a private veth pair for Firefox, which gathers no
//! loopback candidates. The veth addresses exist only inside that namespace.

use std::process::Command;

pub const ENV_INSIDE: &str = "HARK_E2E_NETNS";
/// Address of the veth end the local peer binds to for Firefox.
pub const VETH_PEER_IP: &str = "10.99.0.1";

/// Inside the new namespace: loopback up, the veth pair (Firefox gathers ICE candidates only with
/// a default route), and a resolver on 127.0.0.1 where nothing
/// listens (in a private mount namespace), so the pages' references to outside hosts fail at once
/// instead of sending lookups towards the machine's resolver address.
const SETUP: &str = "set -e; ip link set lo up; \
ip link add hark0 type veth peer name hark1; \
ip addr add 10.99.0.1/24 dev hark0; ip addr add 10.99.0.2/24 dev hark1; \
ip link set hark0 up; ip link set hark1 up; ip route add default dev hark0; \
mount --make-rprivate /; r=$(mktemp); echo 'nameserver 127.0.0.1' > $r; mount --bind $r /etc/resolv.conf; \
exec \"$0\" \"$@\"";

pub fn inside() -> bool {
    std::env::var(ENV_INSIDE).as_deref() == Ok("1")
}

/// Outside the namespace: run this same binary inside a new one and return its exit code.
/// Inside: `None`, go on with the tests.
pub fn reexec_inside() -> Option<i32> {
    if inside() {
        return None;
    }
    let exe = std::env::current_exe().expect("current exe");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = unsafe_is_root();
    let mut cmd = if root {
        Command::new("unshare")
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", "-E", "unshare"]);
        c
    };
    cmd.args(["-n", "-m", "--", "sh", "-c", SETUP]).arg(&exe).args(&args).env(ENV_INSIDE, "1");
    match cmd.status() {
        Ok(status) => Some(status.code().unwrap_or(1)),
        Err(e) => {
            eprintln!("error: the end-to-end tests run in a network namespace of their own and need `unshare -n` as root (or passwordless sudo): {e}");
            Some(1)
        }
    }
}

fn unsafe_is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}
