//! Which IP addresses a user-chosen URL may reach.
//!
//! The rule is "public unicast only": an address is refused when it is in any range that reaches
//! the platform's own machines or networks (loopback, private, link-local, unique-local, shared
//! CGNAT space, cloud metadata), or that is not a real destination at all (unspecified,
//! multicast, broadcast, documentation, benchmarking, reserved). IPv6 forms that carry an IPv4
//! address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`,
//! 6to4 `2002::/16`) are decoded and judged as that IPv4 address, because operating systems and
//! gateways deliver them there. Teredo (`2001::/32`) is refused outright: its client address is
//! obfuscated and its relay is a third party. Every other IPv6 address outside global unicast
//! `2000::/3` is refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// Cloud metadata services: refused even when an allow-list network contains them, because a
/// development allow-list (`169.254.0.0/16`, `fd00::/8`) must never expose instance credentials.
const METADATA: [IpAddr; 3] = [
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
    IpAddr::V4(Ipv4Addr::new(100, 100, 100, 200)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254)),
];

/// The name of the forbidden range `address` is in, or `None` when it may be reached: a public
/// address, or one inside an `allow` network (cloud metadata addresses never are).
pub(crate) fn forbidden_range(address: IpAddr, allow: &[IpNet]) -> Option<&'static str> {
    let embedded = match address {
        IpAddr::V6(v6) => embedded_ipv4(v6),
        IpAddr::V4(_) => None,
    };
    let embedded_address = embedded.map(IpAddr::V4);
    if METADATA.contains(&address) || embedded_address.is_some_and(|v4| METADATA.contains(&v4)) {
        return Some("cloud metadata");
    }
    let allowed = |ip: IpAddr| allow.iter().any(|net| net.contains(&ip));
    if allowed(address) || embedded_address.is_some_and(allowed) {
        return None;
    }
    match (address, embedded) {
        (_, Some(v4)) | (IpAddr::V4(v4), None) => v4_range(v4),
        (IpAddr::V6(v6), None) => v6_range(v6),
    }
}

/// The IPv4 address an IPv6 address stands for, if it is one of the forms that carry one.
fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let segments = v6.segments();
    let octets = v6.octets();
    let last_four = Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]);
    match segments {
        // IPv4-mapped ::ffff:a.b.c.d
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(last_four),
        // IPv4-compatible ::a.b.c.d (deprecated; :: and ::1 are judged as IPv6 themselves)
        [0, 0, 0, 0, 0, 0, high, low] if high != 0 || low > 1 => Some(last_four),
        // NAT64 well-known prefix 64:ff9b::/96
        [0x0064, 0xff9b, 0, 0, 0, 0, _, _] => Some(last_four),
        // 6to4 2002:aabb:ccdd::/48 carries a.b.c.d in bits 16..48
        [0x2002, _, _, _, _, _, _, _] => {
            Some(Ipv4Addr::new(octets[2], octets[3], octets[4], octets[5]))
        }
        _ => None,
    }
}

/// The forbidden IPv4 range `v4` is in, or `None` for a public address.
fn v4_range(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = v4.octets();
    match (a, b, c) {
        (0, _, _) => Some("unspecified (0.0.0.0/8)"),
        (10, _, _) => Some("private"),
        (100, 64..=127, _) => Some("shared CGNAT (100.64.0.0/10)"),
        (127, _, _) => Some("loopback"),
        (169, 254, _) => Some("link-local"),
        (172, 16..=31, _) => Some("private"),
        (192, 0, 0) => Some("IETF protocol assignments (192.0.0.0/24)"),
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Some("documentation"),
        (192, 88, 99) => Some("6to4 relay anycast (192.88.99.0/24)"),
        (192, 168, _) => Some("private"),
        (198, 18..=19, _) => Some("benchmarking (198.18.0.0/15)"),
        (224..=239, _, _) => Some("multicast"),
        _ if v4.is_broadcast() => Some("broadcast"),
        (240..=255, _, _) => Some("reserved (240.0.0.0/4)"),
        _ => None,
    }
}

/// The forbidden IPv6 range `v6` (not carrying an IPv4 address) is in, or `None`.
fn v6_range(v6: Ipv6Addr) -> Option<&'static str> {
    let first = v6.segments()[0];
    if v6.is_unspecified() {
        Some("unspecified")
    } else if v6.is_loopback() {
        Some("loopback")
    } else if first & 0xff00 == 0xff00 {
        Some("multicast")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if first & 0xfe00 == 0xfc00 {
        Some("unique-local")
    } else if first & 0xe000 != 0x2000 {
        Some("reserved (outside global unicast 2000::/3)")
    } else if first == 0x2001 && v6.segments()[1] < 0x0200 {
        // 2001::/23: Teredo, benchmarking, ORCHID and other protocol assignments.
        Some("IETF protocol assignments (2001::/23)")
    } else if (first == 0x2001 && v6.segments()[1] == 0x0db8) || first & 0xfff0 == 0x3ff0 {
        Some("documentation")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> Option<&'static str> {
        forbidden_range(text.parse().expect("test address"), &[])
    }

    #[test]
    fn public_addresses_are_reachable() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.169.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(range(public), None, "{public} should be reachable");
        }
    }

    #[test]
    fn embedded_ipv4_is_judged_as_ipv4() {
        assert_eq!(range("::ffff:127.0.0.1"), Some("loopback"));
        assert_eq!(range("::ffff:7f00:1"), Some("loopback"));
        assert_eq!(range("::127.0.0.1"), Some("loopback"));
        assert_eq!(range("::ffff:10.1.2.3"), Some("private"));
        assert_eq!(range("64:ff9b::a9fe:a9fe"), Some("cloud metadata"));
        assert_eq!(range("2002:a9fe:a9fe::"), Some("cloud metadata"));
        assert_eq!(range("2002:c0a8:0101::1"), Some("private"));
    }

    #[test]
    fn the_allow_list_opens_its_networks_but_never_metadata() {
        let allow: Vec<IpNet> = vec![
            "127.0.0.0/8".parse().expect("net"),
            "169.254.0.0/16".parse().expect("net"),
        ];
        let check = |text: &str| forbidden_range(text.parse().expect("address"), &allow);
        assert_eq!(check("127.0.0.1"), None);
        assert_eq!(check("::ffff:127.0.0.1"), None);
        assert_eq!(check("169.254.1.1"), None);
        assert_eq!(check("169.254.169.254"), Some("cloud metadata"));
        assert_eq!(check("10.0.0.1"), Some("private"));
        assert_eq!(check("::1"), Some("loopback"));
    }

    #[test]
    fn broadcast_and_reserved_are_told_apart() {
        assert_eq!(range("255.255.255.255"), Some("broadcast"));
        assert_eq!(range("240.0.0.1"), Some("reserved (240.0.0.0/4)"));
        assert_eq!(
            range("2001::1"),
            Some("IETF protocol assignments (2001::/23)")
        );
        assert_eq!(range("2001:db8::1"), Some("documentation"));
        assert_eq!(
            range("fec0::1"),
            Some("reserved (outside global unicast 2000::/3)")
        );
    }
}
