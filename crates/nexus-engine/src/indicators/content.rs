//! Indicators from strings and IOCs, whatever the file type.

use nexus_proto::report::{AnalysisReport, Severity};

use super::Builder;

pub(super) fn indicators(report: &AnalysisReport, builder: &mut Builder) {
    let iocs = &report.iocs;
    if !iocs.btc_addresses.is_empty() || !iocs.eth_addresses.is_empty() {
        builder.add(
            "cryptocurrency_wallet",
            Severity::Low,
            Some("T1496"),
            "Contains cryptocurrency wallet addresses (ransom notes, miners, clippers)",
            iocs.btc_addresses
                .iter()
                .chain(&iocs.eth_addresses)
                .take(8)
                .cloned()
                .collect(),
        );
    }
    if !iocs.urls.is_empty() {
        builder.add(
            "embedded_urls",
            Severity::Info,
            Some("T1071.001"),
            "Contains URLs",
            iocs.urls.iter().take(8).cloned().collect(),
        );
    }
    let autostart: Vec<String> = iocs
        .file_paths
        .iter()
        .chain(&iocs.registry_keys)
        .filter(|path| {
            let path = path.to_ascii_lowercase();
            path.contains("\\start menu\\programs\\startup")
                || path.starts_with("/etc/cron")
                || path.starts_with("/etc/rc.local")
                || path.starts_with("/etc/systemd/system")
                || path.contains("launchagents")
                || path.contains("launchdaemons")
        })
        .take(8)
        .cloned()
        .collect();
    if !autostart.is_empty() {
        builder.add(
            "autostart_locations",
            Severity::Medium,
            Some("T1547"),
            "Names autostart locations (startup folder, cron, systemd, launch agents)",
            autostart,
        );
    }
    let encoded_powershell = report
        .strings
        .items
        .iter()
        .filter(|item| {
            let value = item.value.to_ascii_lowercase();
            value.contains("powershell")
                && (value.contains(" -enc")
                    || value.contains(" -e ")
                    || value.contains("frombase64string"))
        })
        .take(4)
        .map(|item| item.value.chars().take(200).collect())
        .collect::<Vec<String>>();
    if !encoded_powershell.is_empty() {
        builder.add(
            "encoded_powershell",
            Severity::High,
            Some("T1059.001"),
            "Runs base64-encoded PowerShell",
            encoded_powershell,
        );
    }
}
