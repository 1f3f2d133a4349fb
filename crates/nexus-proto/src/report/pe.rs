//! The PE (Windows Portable Executable) part of the report.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Everything parsed from a PE file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PeReport {
    /// Machine name (`i386`, `amd64`, `arm64`, ...) or `unknown(0x...)`.
    pub machine: String,
    /// Raw COFF machine value.
    pub machine_id: u16,
    /// `true` for PE32+ (64-bit optional header).
    pub is_64: bool,
    /// `true` when the COFF characteristics mark a DLL.
    pub is_dll: bool,
    /// Subsystem name (`windows_gui`, `windows_cui`, `native`, `efi_application`, ...).
    pub subsystem: String,
    /// Preferred load address.
    pub image_base: u64,
    /// AddressOfEntryPoint as stored (an RVA).
    pub entry_point: u32,
    /// File offset of the entry point, when it maps into the file.
    #[serde(default)]
    pub entry_point_offset: Option<u64>,
    /// Section the entry point falls in, when any.
    #[serde(default)]
    pub entry_point_section: Option<String>,
    /// COFF TimeDateStamp as stored.
    pub timestamp: u32,
    /// COFF TimeDateStamp as RFC 3339 UTC; `null` when zero.
    #[serde(default)]
    pub compile_time: Option<String>,
    /// COFF characteristics flag names (`executable_image`, `dll`, `large_address_aware`, ...).
    pub characteristics: Vec<String>,
    /// Optional-header DllCharacteristics flag names (`dynamic_base`, `nx_compat`, ...).
    pub dll_characteristics: Vec<String>,
    /// Linker version `major.minor`.
    pub linker_version: String,
    /// Operating-system version `major.minor`.
    pub os_version: String,
    /// Subsystem version `major.minor`.
    pub subsystem_version: String,
    /// Stated and recomputed checksum.
    pub checksum: PeChecksum,
    /// Section table in file order.
    pub sections: Vec<PeSection>,
    /// Imported libraries in directory order, standard imports first then delay-load imports.
    pub imports: Vec<PeImportLibrary>,
    /// Name of the DLL in the export directory.
    #[serde(default)]
    pub export_dll_name: Option<String>,
    /// Exported symbols.
    pub exports: Vec<PeExport>,
    /// Resources (leaf entries of the resource tree), bounded.
    pub resources: Vec<PeResource>,
    /// Version-info string table (CompanyName, FileDescription, FileVersion, ...).
    pub version_info: BTreeMap<String, String>,
    /// CodeView debug record (PDB path, GUID, age), when present.
    #[serde(default)]
    pub pdb: Option<PePdb>,
    /// Decoded Rich header, when present.
    #[serde(default)]
    pub rich_header: Option<PeRichHeader>,
    /// Data past the end of the last section's raw data, when present.
    #[serde(default)]
    pub overlay: Option<PeOverlay>,
    /// Authenticode signature (certificate table), when present.
    #[serde(default)]
    pub signature: Option<PeSignature>,
    /// TLS callback virtual addresses.
    pub tls_callbacks: Vec<u64>,
    /// `true` when the CLR (COM descriptor) data directory is set: a .NET assembly.
    pub is_dotnet: bool,
    /// Problems met while parsing that did not stop it (truncated tables, bad RVAs, ...).
    pub warnings: Vec<String>,
}

/// Stated and recomputed PE checksum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeChecksum {
    /// CheckSum field of the optional header.
    pub stated: u32,
    /// Checksum recomputed over the whole file (the Windows `CheckSumMappedFile` algorithm).
    pub computed: u32,
    /// `true` when the stated value is non-zero and differs from the computed one.
    pub mismatch: bool,
}

/// One section header with its data's statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PeSection {
    /// Full name (`/N` names resolved through the COFF string table).
    pub name: String,
    /// The 8-byte name field as stored.
    pub short_name: String,
    /// RVA of the section.
    pub virtual_address: u32,
    /// VirtualSize.
    pub virtual_size: u32,
    /// PointerToRawData.
    pub raw_offset: u32,
    /// SizeOfRawData.
    pub raw_size: u32,
    /// Entropy of the raw data present in the file.
    pub entropy: f64,
    /// MD5 of the raw data present in the file.
    pub md5: String,
    /// SHA-256 of the raw data present in the file.
    pub sha256: String,
    /// Characteristic flag names (`code`, `initialized_data`, `mem_execute`, `mem_read`, `mem_write`, ...).
    pub characteristics: Vec<String>,
    /// Raw Characteristics value.
    pub characteristics_raw: u32,
}

/// Functions imported from one library.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeImportLibrary {
    /// DLL name as stored (e.g. `KERNEL32.dll`).
    pub library: String,
    /// `true` for delay-load imports.
    pub delayed: bool,
    /// Imported functions in table order.
    pub functions: Vec<PeImportFunction>,
}

/// One imported function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeImportFunction {
    /// Function name, `null` for imports by ordinal.
    #[serde(default)]
    pub name: Option<String>,
    /// Ordinal, for imports by ordinal.
    #[serde(default)]
    pub ordinal: Option<u16>,
    /// RVA of the function's import address table slot.
    #[serde(default)]
    pub iat_rva: Option<u32>,
}

/// One exported symbol.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeExport {
    /// Exported name, `null` when exported by ordinal only.
    #[serde(default)]
    pub name: Option<String>,
    /// Ordinal (biased by the export directory's base).
    pub ordinal: u32,
    /// Raw RVA from AddressOfFunctions.
    pub rva: u32,
    /// File offset of `rva`, when it is not a forwarder and maps into the file.
    #[serde(default)]
    pub offset: Option<u64>,
    /// Forwarder (`DLL.Function`) when the export forwards.
    #[serde(default)]
    pub forwarder: Option<String>,
}

/// One resource leaf.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeResource {
    /// Type name: `RT_VERSION`, `RT_ICON`, ... for standard ids, else the id as a number or the name.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Numeric resource id (second level), when the entry has one.
    #[serde(default)]
    pub id: Option<u32>,
    /// Resource name (second level), when the entry is named.
    #[serde(default)]
    pub name: Option<String>,
    /// Language id (third level), e.g. 1033 for en-US.
    pub language: u32,
    /// RVA of the data.
    pub rva: u32,
    /// File offset of the data, when it maps into the file.
    #[serde(default)]
    pub offset: Option<u64>,
    /// Declared size of the data.
    pub size: u32,
    /// SHA-256 of the data, when it lies wholly inside the file.
    #[serde(default)]
    pub sha256: Option<String>,
}

/// CodeView (RSDS) debug record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PePdb {
    /// PDB path as stored.
    pub path: String,
    /// PDB signature GUID, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, upper-case.
    pub guid: String,
    /// PDB age.
    pub age: u32,
}

/// Decoded Rich header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeRichHeader {
    /// File offset of the `DanS` marker.
    pub offset: u64,
    /// Bytes from `DanS` up to (not including) `Rich`.
    pub length: u64,
    /// XOR key stored after `Rich`.
    pub key: u32,
    /// Tool entries in file order.
    pub entries: Vec<PeRichEntry>,
    /// MD5 of the decoded bytes from `DanS` up to `Rich` (the common "Rich header hash").
    pub hash: String,
}

/// One Rich header entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeRichEntry {
    /// Tool (product) id.
    pub tool_id: u16,
    /// Tool build version.
    pub version: u16,
    /// Use count.
    pub count: u32,
}

/// Data appended after the image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PeOverlay {
    /// File offset where the overlay starts.
    pub offset: u64,
    /// Overlay size in bytes.
    pub size: u64,
    /// SHA-256 of the overlay.
    pub sha256: String,
    /// Entropy of the overlay.
    pub entropy: f64,
}

/// Authenticode signature facts (presence and certificates; the chain is not verified here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeSignature {
    /// File offset of the certificate table.
    pub offset: u64,
    /// Size of the certificate table.
    pub size: u64,
    /// Certificates found in the PKCS#7 blobs, in file order.
    pub certificates: Vec<PeCertificate>,
}

/// One X.509 certificate from the signature.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeCertificate {
    /// Subject in OpenSSL's `/C=../O=../CN=..` form.
    pub subject: String,
    /// Issuer in the same form.
    pub issuer: String,
    /// Serial as colon-separated lower-case hex.
    pub serial: String,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// SHA-1 of the DER certificate (thumbprint), lower-case hex.
    pub thumbprint_sha1: String,
}
