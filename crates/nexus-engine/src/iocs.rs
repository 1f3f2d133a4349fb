//! Indicators of compromise pulled from extracted strings: URLs, domains, IP addresses, e-mail
//! addresses, BTC/ETH wallets, registry keys and file paths.
//!
//! The `regex` crate matches in linear time, so hostile strings cannot trigger catastrophic
//! backtracking. Domains and e-mail addresses must end in a known top-level domain, which keeps
//! `kernel32.dll` and `main.c` out; Bitcoin base58 addresses must pass their checksum.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use nexus_proto::report::Iocs;
use regex::Regex;
use sha2::{Digest, Sha256};

use crate::config::EngineConfig;

fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

static URL: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"(?i)\b(?:https?|ftp)://[a-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]{3,2048}"));
static DOMAIN: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b"));
static IPV4: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"));
static IPV6: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"(?i)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}"));
static EMAIL: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"(?i)\b[a-z0-9._%+\-]{1,64}@(?:[a-z0-9\-]{1,63}\.)+[a-z]{2,24}\b"));
static BTC: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(r"\b(?:[13][a-km-zA-HJ-NP-Z1-9]{25,34}|bc1[ac-hj-np-z02-9]{25,59})\b")
});
static ETH: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"\b0x[a-fA-F0-9]{40}\b"));
static REGISTRY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r#"(?i)\b(?:(?:HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS|HKEY_CURRENT_CONFIG|HKLM|HKCU|HKCR|HKU)\\|(?:SOFTWARE|SYSTEM)\\(?:Microsoft|CurrentControlSet|Classes|Policies|Wow6432Node)\\)[^\x00-\x1f"<>|]{2,512}"#,
    )
});
static PATH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r#"(?i)(?:\b[a-z]:\\|%[a-z_]{2,32}%\\|\\\\[a-z0-9.\-]{1,64}\\)(?:[^\\/:*?"<>|\x00-\x1f]+\\)*[^\\/:*?"<>|\x00-\x1f\s]+|(?:^|[\s"'=])(?:/(?:bin|sbin|etc|tmp|var|usr|home|root|dev|proc|opt|lib|lib64|Library|Users|System|Applications|private))(?:/[A-Za-z0-9._\-+@]+)+"#,
    )
});

/// Top-level domains accepted for domains and e-mail addresses: the generic ones and country codes
/// most often seen in malware, not file extensions.
const TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "io", "co", "ru", "cn", "su", "xyz", "top", "online",
    "site", "club", "me", "tk", "ml", "ga", "cf", "gq", "pw", "cc", "ws", "in", "br", "de", "uk",
    "fr", "nl", "pl", "ua", "kr", "jp", "tw", "hk", "ir", "kz", "by", "tr", "it", "es", "ro", "cz",
    "eu", "us", "ca", "au", "gov", "edu", "mil", "int", "onion", "app", "dev", "live", "shop",
    "store", "tech", "space", "website", "icu", "vip", "work", "link", "click", "download", "win",
    "bid", "men", "loan", "date", "host", "fun", "pro", "mobi", "name", "tv", "to", "ly", "gl",
    "gg", "ai", "vn", "id", "th", "my", "sg", "ph", "pk", "bd", "ng", "za", "ch", "at", "be", "se",
    "no", "dk", "fi", "pt", "gr", "hu", "bg", "rs", "lt", "lv", "ee", "md", "ge", "am", "az", "uz",
    "mx", "ar", "cl", "pe", "ve", "nz", "il", "sa", "ae", "eg",
];

fn known_tld(host: &str) -> bool {
    host.rsplit('.')
        .next()
        .is_some_and(|tld| TLDS.contains(&tld.to_ascii_lowercase().as_str()))
}

struct Collector {
    limit: usize,
    sets: [BTreeSet<String>; 9],
}

impl Collector {
    fn add(&mut self, kind: usize, value: &str) {
        let set = &mut self.sets[kind];
        if set.len() < self.limit {
            set.insert(value.to_owned());
        }
    }
}

/// Extracts IOCs from `strings`.
pub fn extract(strings: &[String], config: &EngineConfig) -> Iocs {
    let mut collector = Collector {
        limit: config.max_iocs_per_kind,
        sets: Default::default(),
    };
    for text in strings {
        scan(text, &mut collector);
    }
    let [urls, domains, ipv4, ipv6, emails, btc, eth, registry, paths] =
        collector.sets.map(|set| set.into_iter().collect());
    Iocs {
        urls,
        domains,
        ipv4,
        ipv6,
        emails,
        btc_addresses: btc,
        eth_addresses: eth,
        registry_keys: registry,
        file_paths: paths,
    }
}

fn matches<'t>(regex: &LazyLock<Option<Regex>>, text: &'t str) -> Vec<&'t str> {
    regex
        .as_ref()
        .map(|regex| regex.find_iter(text).map(|found| found.as_str()).collect())
        .unwrap_or_default()
}

fn scan(text: &str, collector: &mut Collector) {
    for url in matches(&URL, text) {
        let url = url.trim_end_matches(['.', ',', ')', '\'', ';', ']']);
        collector.add(0, url);
    }
    for email in matches(&EMAIL, text) {
        if let Some((_, host)) = email.rsplit_once('@')
            && known_tld(host)
        {
            collector.add(4, &email.to_ascii_lowercase());
        }
    }
    for domain in matches(&DOMAIN, text) {
        if known_tld(domain) && domain.contains('.') {
            collector.add(1, &domain.to_ascii_lowercase());
        }
    }
    for candidate in matches(&IPV4, text) {
        if let Ok(address) = candidate.parse::<Ipv4Addr>()
            && !address.is_unspecified()
            && !address.is_broadcast()
        {
            collector.add(2, candidate);
        }
    }
    for candidate in matches(&IPV6, text) {
        let candidate = candidate.trim_matches(':');
        let full = if candidate.contains("::") || candidate.matches(':').count() == 7 {
            candidate
        } else {
            continue;
        };
        if let Ok(address) = full.parse::<Ipv6Addr>()
            && !address.is_unspecified()
            && !address.is_loopback()
        {
            collector.add(3, &address.to_string());
        }
    }
    for address in matches(&BTC, text) {
        if address.starts_with("bc1") || base58check_ok(address) {
            collector.add(5, address);
        }
    }
    for address in matches(&ETH, text) {
        collector.add(6, address);
    }
    for key in matches(&REGISTRY, text) {
        collector.add(7, key.trim_end());
    }
    for path in matches(&PATH, text) {
        let path = path
            .trim_start_matches([' ', '\t', '"', '\'', '='])
            .trim_end();
        collector.add(8, path);
    }
}

/// Base58Check: the last 4 bytes are the first 4 of SHA-256(SHA-256(payload)).
fn base58check_ok(text: &str) -> bool {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut number: Vec<u8> = Vec::new(); // big-endian base-256 digits
    for character in text.bytes() {
        let Some(digit) = ALPHABET.iter().position(|&symbol| symbol == character) else {
            return false;
        };
        let mut carry = digit as u32;
        for byte in number.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            number.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let leading_zeros = text
        .bytes()
        .take_while(|&character| character == b'1')
        .count();
    let mut decoded = vec![0u8; leading_zeros];
    decoded.extend(number);
    if decoded.len() != 25 {
        return false;
    }
    let (payload, checksum) = decoded.split_at(21);
    let digest = Sha256::digest(Sha256::digest(payload));
    &digest[..4] == checksum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for pattern in [
            &URL, &DOMAIN, &IPV4, &IPV6, &EMAIL, &BTC, &ETH, &REGISTRY, &PATH,
        ] {
            assert!(pattern.is_some());
        }
    }

    #[test]
    fn extracts_each_kind_and_rejects_lookalikes() {
        let strings: Vec<String> = [
            "GET http://evil.example.com/payload.bin HTTP/1.1",
            "contact admin@bad-domain.ru now",
            "connect to 185.220.101.4:443 or 999.1.1.1",
            "v6 at 2001:db8::8a2e:370:7334 and time 12:30:45",
            "pay 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 or 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",
            "eth 0x52908400098527886E0F7030069857D2E4169EE7",
            r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run",
            r"C:\Users\Public\svchost.exe and /tmp/.x/miner",
            "KERNEL32.dll main.c",
        ]
        .iter()
        .map(|text| (*text).to_owned())
        .collect();
        let iocs = extract(&strings, &EngineConfig::default());
        assert_eq!(iocs.urls, ["http://evil.example.com/payload.bin"]);
        assert!(iocs.domains.contains(&"evil.example.com".to_owned()));
        assert!(iocs.domains.contains(&"bad-domain.ru".to_owned()));
        assert!(
            !iocs
                .domains
                .iter()
                .any(|domain| domain.ends_with(".dll") || domain.ends_with(".c"))
        );
        assert_eq!(iocs.emails, ["admin@bad-domain.ru"]);
        assert_eq!(iocs.ipv4, ["185.220.101.4"]);
        assert_eq!(iocs.ipv6, ["2001:db8::8a2e:370:7334"]);
        assert_eq!(
            iocs.btc_addresses,
            ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"],
            "the second fails its checksum"
        );
        assert_eq!(
            iocs.eth_addresses,
            ["0x52908400098527886E0F7030069857D2E4169EE7"]
        );
        assert_eq!(
            iocs.registry_keys,
            [r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run"]
        );
        assert!(
            iocs.file_paths
                .iter()
                .any(|path| path.starts_with(r"C:\Users\Public\svchost.exe"))
        );
        assert!(iocs.file_paths.contains(&"/tmp/.x/miner".to_owned()));
    }
}
