//! ClusterIP and NodePort allocation from the configured ranges: no duplicates, released on delete, rebuilt
//! from the stored Services at start (upstream's repair loop).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use parking_lot::Mutex;

/// An IPv4 CIDR such as `10.96.0.0/12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub base: Ipv4Addr,
    pub prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (ip, prefix) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not a CIDR (want e.g. 10.96.0.0/12)"))?;
        let ip: Ipv4Addr = ip
            .parse()
            .map_err(|_| format!("{s:?}: only IPv4 service ranges are supported"))?;
        let prefix: u8 = prefix.parse().map_err(|_| format!("{s:?}: bad prefix length"))?;
        if !(8..=30).contains(&prefix) {
            return Err(format!("{s:?}: the prefix length must be between 8 and 30"));
        }
        let mask = u32::MAX << (32 - prefix);
        Ok(Cidr {
            base: Ipv4Addr::from(u32::from(ip) & mask),
            prefix,
        })
    }
}

impl Cidr {
    fn size(&self) -> u32 {
        1u32 << (32 - self.prefix)
    }
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = u32::MAX << (32 - self.prefix);
        u32::from(ip) & mask == u32::from(self.base)
    }
    /// The first usable address: the `kubernetes` Service's ClusterIP.
    pub fn first(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.base) + 1)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// A port range such as `30000-32767`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub base: u16,
    pub size: u32,
}

impl FromStr for PortRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a port range (want e.g. 30000-32767)");
        let (lo, hi) = match s.split_once('-') {
            Some((lo, hi)) => (lo.trim(), hi.trim()),
            None => (s.trim(), s.trim()),
        };
        let lo: u16 = lo.parse().map_err(|_| bad())?;
        let hi: u16 = hi.parse().map_err(|_| bad())?;
        if hi < lo || lo == 0 {
            return Err(bad());
        }
        Ok(PortRange {
            base: lo,
            size: u32::from(hi - lo) + 1,
        })
    }
}

impl PortRange {
    pub fn contains(&self, port: u16) -> bool {
        port >= self.base && u32::from(port - self.base) < self.size
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.base, u32::from(self.base) + self.size - 1)
    }
}

/// Why an allocation failed; the messages are upstream's.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AllocError {
    #[error("range is full")]
    Full,
    #[error("provided IP is already allocated")]
    IpAllocated,
    #[error("provided port is already allocated")]
    PortAllocated,
    #[error("the provided IP ({ip}) is not in the valid range. The range of valid IPs is {range}")]
    IpNotInRange { ip: String, range: String },
    #[error("provided port is not in the valid range. The range of valid ports is {range}")]
    PortNotInRange { range: String },
}

/// The allocated ClusterIPs and NodePorts.
#[derive(Debug)]
pub struct Allocator {
    cidr: Cidr,
    ports: PortRange,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    ips: BTreeSet<u32>,
    ports: BTreeSet<u16>,
}

impl Allocator {
    pub fn new(cidr: Cidr, ports: PortRange) -> Self {
        Allocator {
            cidr,
            ports,
            state: Mutex::new(State::default()),
        }
    }

    pub fn cidr(&self) -> Cidr {
        self.cidr
    }

    /// Reserves `ip`, which a client asked for.
    pub fn allocate_ip(&self, ip: &str) -> Result<(), AllocError> {
        let parsed = match IpAddr::from_str(ip) {
            Ok(IpAddr::V4(v4)) if self.cidr.contains(v4) => v4,
            _ => {
                return Err(AllocError::IpNotInRange {
                    ip: ip.to_string(),
                    range: self.cidr.to_string(),
                });
            }
        };
        let n = u32::from(parsed);
        let base = u32::from(self.cidr.base);
        if n == base || n == base + self.cidr.size() - 1 {
            return Err(AllocError::IpNotInRange {
                ip: ip.to_string(),
                range: self.cidr.to_string(),
            });
        }
        if !self.state.lock().ips.insert(n) {
            return Err(AllocError::IpAllocated);
        }
        Ok(())
    }

    /// Picks a free ClusterIP at random, leaving the first address to the `kubernetes` Service.
    pub fn allocate_next_ip(&self) -> Result<Ipv4Addr, AllocError> {
        let base = u32::from(self.cidr.base);
        // Usable: base+2 ..= base+size-2 (network, the kubernetes Service's .1 and broadcast excluded).
        let count = self.cidr.size().saturating_sub(3);
        if count == 0 {
            return Err(AllocError::Full);
        }
        let mut state = self.state.lock();
        let start = fastrand::u32(0..count);
        for i in 0..count {
            let n = base + 2 + (start + i) % count;
            if state.ips.insert(n) {
                return Ok(Ipv4Addr::from(n));
            }
        }
        Err(AllocError::Full)
    }

    pub fn release_ip(&self, ip: &str) {
        if let Ok(v4) = Ipv4Addr::from_str(ip) {
            self.state.lock().ips.remove(&u32::from(v4));
        }
    }

    pub fn allocate_port(&self, port: u16) -> Result<(), AllocError> {
        if !self.ports.contains(port) {
            return Err(AllocError::PortNotInRange {
                range: self.ports.to_string(),
            });
        }
        if !self.state.lock().ports.insert(port) {
            return Err(AllocError::PortAllocated);
        }
        Ok(())
    }

    pub fn allocate_next_port(&self) -> Result<u16, AllocError> {
        let mut state = self.state.lock();
        let start = fastrand::u32(0..self.ports.size);
        for i in 0..self.ports.size {
            let p = self.ports.base + ((start + i) % self.ports.size) as u16;
            if state.ports.insert(p) {
                return Ok(p);
            }
        }
        Err(AllocError::Full)
    }

    pub fn release_port(&self, port: u16) {
        self.state.lock().ports.remove(&port);
    }

    /// Marks what an existing Service holds as allocated (repair after restart); conflicts are ignored,
    /// the first holder keeps the address.
    pub fn restore(&self, ips: impl IntoIterator<Item = String>, ports: impl IntoIterator<Item = u16>) {
        let mut state = self.state.lock();
        for ip in ips {
            if let Ok(v4) = Ipv4Addr::from_str(&ip)
                && self.cidr.contains(v4)
            {
                state.ips.insert(u32::from(v4));
            }
        }
        for p in ports {
            if self.ports.contains(p) {
                state.ports.insert(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alloc() -> Allocator {
        Allocator::new("10.0.0.0/29".parse().unwrap(), "30000-30002".parse().unwrap())
    }

    #[test]
    fn ips_are_unique_until_full_and_reusable_after_release() {
        let a = alloc();
        a.allocate_ip("10.0.0.1").unwrap(); // the kubernetes Service
        let mut got = BTreeSet::new();
        for _ in 0..5 {
            got.insert(a.allocate_next_ip().unwrap());
        }
        assert_eq!(got.len(), 5);
        assert!(!got.contains(&Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(a.allocate_next_ip(), Err(AllocError::Full));
        a.release_ip("10.0.0.4");
        assert_eq!(a.allocate_next_ip().unwrap(), Ipv4Addr::new(10, 0, 0, 4));
    }

    #[test]
    fn requested_ip_checks_range_and_duplicates() {
        let a = alloc();
        assert_eq!(a.allocate_ip("10.0.0.3"), Ok(()));
        assert_eq!(a.allocate_ip("10.0.0.3"), Err(AllocError::IpAllocated));
        let err = a.allocate_ip("10.1.0.3").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the provided IP (10.1.0.3) is not in the valid range. The range of valid IPs is 10.0.0.0/29"
        );
    }

    #[test]
    fn ports_allocate_in_range() {
        let a = alloc();
        a.allocate_port(30001).unwrap();
        assert_eq!(a.allocate_port(30001), Err(AllocError::PortAllocated));
        let p = a.allocate_next_port().unwrap();
        let q = a.allocate_next_port().unwrap();
        assert_ne!(p, q);
        assert_eq!(a.allocate_next_port(), Err(AllocError::Full));
        assert_eq!(
            a.allocate_port(80).unwrap_err().to_string(),
            "provided port is not in the valid range. The range of valid ports is 30000-30002"
        );
    }

    #[test]
    fn restore_marks_existing_allocations() {
        let a = alloc();
        a.restore(["10.0.0.2".to_string(), "192.168.0.1".to_string()], [30000]);
        assert_eq!(a.allocate_ip("10.0.0.2"), Err(AllocError::IpAllocated));
        assert_eq!(a.allocate_port(30000), Err(AllocError::PortAllocated));
    }
}
