//! Names for PE header values: machines, subsystems and flag sets.

use chrono::DateTime;

/// Machine name for a COFF machine value.
pub fn machine_name(machine: u16) -> String {
    let name = match machine {
        0x014c => "i386",
        0x8664 => "amd64",
        0xaa64 => "arm64",
        0x01c0 => "arm",
        0x01c4 => "armnt",
        0x0200 => "ia64",
        0x0166 => "mips",
        0x01f0 => "powerpc",
        0x0ebc => "efi_bytecode",
        0x5064 => "riscv64",
        0x0000 => "unknown",
        other => return format!("unknown({other:#06x})"),
    };
    name.to_owned()
}

/// Subsystem name.
pub fn subsystem_name(subsystem: u16) -> String {
    let name = match subsystem {
        1 => "native",
        2 => "windows_gui",
        3 => "windows_cui",
        5 => "os2_cui",
        7 => "posix_cui",
        8 => "native_windows",
        9 => "windows_ce_gui",
        10 => "efi_application",
        11 => "efi_boot_service_driver",
        12 => "efi_runtime_driver",
        13 => "efi_rom",
        14 => "xbox",
        16 => "windows_boot_application",
        0 => "unknown",
        other => return format!("unknown({other})"),
    };
    name.to_owned()
}

const COFF_FLAGS: &[(u16, &str)] = &[
    (0x0001, "relocs_stripped"),
    (0x0002, "executable_image"),
    (0x0004, "line_nums_stripped"),
    (0x0008, "local_syms_stripped"),
    (0x0010, "aggressive_ws_trim"),
    (0x0020, "large_address_aware"),
    (0x0080, "bytes_reversed_lo"),
    (0x0100, "32bit_machine"),
    (0x0200, "debug_stripped"),
    (0x0400, "removable_run_from_swap"),
    (0x0800, "net_run_from_swap"),
    (0x1000, "system"),
    (0x2000, "dll"),
    (0x4000, "up_system_only"),
    (0x8000, "bytes_reversed_hi"),
];

const DLL_FLAGS: &[(u16, &str)] = &[
    (0x0020, "high_entropy_va"),
    (0x0040, "dynamic_base"),
    (0x0080, "force_integrity"),
    (0x0100, "nx_compat"),
    (0x0200, "no_isolation"),
    (0x0400, "no_seh"),
    (0x0800, "no_bind"),
    (0x1000, "appcontainer"),
    (0x2000, "wdm_driver"),
    (0x4000, "guard_cf"),
    (0x8000, "terminal_server_aware"),
];

const SECTION_FLAGS: &[(u32, &str)] = &[
    (0x0000_0008, "no_pad"),
    (0x0000_0020, "code"),
    (0x0000_0040, "initialized_data"),
    (0x0000_0080, "uninitialized_data"),
    (0x0000_0200, "lnk_info"),
    (0x0000_0800, "lnk_remove"),
    (0x0000_1000, "lnk_comdat"),
    (0x0000_8000, "gprel"),
    (0x0100_0000, "lnk_nreloc_ovfl"),
    (0x0200_0000, "mem_discardable"),
    (0x0400_0000, "mem_not_cached"),
    (0x0800_0000, "mem_not_paged"),
    (0x1000_0000, "mem_shared"),
    (0x2000_0000, "mem_execute"),
    (0x4000_0000, "mem_read"),
    (0x8000_0000, "mem_write"),
];

/// COFF characteristics flag names.
pub fn characteristics_names(value: u16) -> Vec<String> {
    flag_names(
        u32::from(value),
        COFF_FLAGS.iter().map(|&(bit, name)| (u32::from(bit), name)),
    )
}

/// DllCharacteristics flag names.
pub fn dll_characteristics_names(value: u16) -> Vec<String> {
    flag_names(
        u32::from(value),
        DLL_FLAGS.iter().map(|&(bit, name)| (u32::from(bit), name)),
    )
}

/// Section characteristics flag names (alignment bits are left out).
pub fn section_flag_names(value: u32) -> Vec<String> {
    flag_names(value, SECTION_FLAGS.iter().copied())
}

fn flag_names(value: u32, table: impl Iterator<Item = (u32, &'static str)>) -> Vec<String> {
    table
        .filter(|&(bit, _)| value & bit != 0)
        .map(|(_, name)| name.to_owned())
        .collect()
}

/// RFC 3339 UTC form of a Unix timestamp, `None` for 0.
pub fn timestamp_rfc3339(timestamp: u32) -> Option<String> {
    if timestamp == 0 {
        return None;
    }
    DateTime::from_timestamp(i64::from(timestamp), 0)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_flags() {
        assert_eq!(machine_name(0x14c), "i386");
        assert_eq!(machine_name(0x1234), "unknown(0x1234)");
        assert_eq!(
            characteristics_names(0x2102),
            ["executable_image", "32bit_machine", "dll"]
        );
        assert_eq!(
            section_flag_names(0xe000_0020),
            ["code", "mem_execute", "mem_read", "mem_write"]
        );
        assert_eq!(
            timestamp_rfc3339(1_459_377_848).as_deref(),
            Some("2016-03-30T22:44:08Z")
        );
        assert_eq!(timestamp_rfc3339(0), None);
    }
}
