//! Authenticode: the certificate table and the X.509 certificates inside its PKCS#7 blobs.
//!
//! Only presence and certificate facts are reported; chain and digest verification are out of scope
//! for a static report (they need trust roots and time).

use nexus_core::hex;
use nexus_proto::report::{PeCertificate, PeSignature};
use sha1::{Digest, Sha1};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use super::layout::{Layout, directory};
use crate::bytes::{slice_at, u16_le, u32_le};

/// WIN_CERT_TYPE_PKCS_SIGNED_DATA.
const PKCS_SIGNED_DATA: u16 = 2;
/// Cap on certificates reported per file.
const MAX_CERTIFICATES: usize = 64;

/// Reads the certificate table (its directory "RVA" is a file offset).
pub(crate) fn parse(
    bytes: &[u8],
    layout: &Layout,
    warnings: &mut Vec<String>,
) -> Option<PeSignature> {
    let (offset, size) = layout.directory(directory::SECURITY)?;
    let Some(table) = slice_at(bytes, u64::from(offset), u64::from(size)) else {
        warnings.push(format!(
            "certificate table at {offset:#x} (+{size}) lies outside the file"
        ));
        return None;
    };
    let mut certificates = Vec::new();
    let mut cursor = 0usize;
    while cursor + 8 <= table.len() && certificates.len() < MAX_CERTIFICATES {
        let (Some(length), Some(kind)) = (u32_le(table, cursor), u16_le(table, cursor + 6)) else {
            break;
        };
        let length = length as usize;
        if length < 8 {
            break;
        }
        let Some(blob) = table.get(cursor + 8..(cursor + length).min(table.len())) else {
            break;
        };
        if kind == PKCS_SIGNED_DATA {
            match pkcs7_certificates(blob) {
                Some(found) => certificates.extend(found),
                None => warnings
                    .push("certificate table holds a PKCS#7 blob that does not parse".to_owned()),
            }
        }
        // Entries are 8-byte aligned.
        cursor = cursor.saturating_add((length + 7) & !7);
    }
    certificates.truncate(MAX_CERTIFICATES);
    Some(PeSignature {
        offset: u64::from(offset),
        size: u64::from(size),
        certificates,
    })
}

/// One DER TLV: `(tag, content, rest)`.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (length, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let mut length = 0usize;
        for index in 0..count {
            length = (length << 8) | usize::from(*input.get(2 + index)?);
        }
        (length, 2 + count)
    };
    let end = header.checked_add(length)?;
    Some((tag, input.get(header..end)?, input.get(end..)?))
}

/// ContentInfo → [0] SignedData → [0] IMPLICIT certificates → each Certificate.
fn pkcs7_certificates(blob: &[u8]) -> Option<Vec<PeCertificate>> {
    let (0x30, content_info, _) = tlv(blob)? else {
        return None;
    };
    let (0x06, _, rest) = tlv(content_info)? else {
        return None;
    };
    let (0xa0, explicit, _) = tlv(rest)? else {
        return None;
    };
    let (0x30, mut signed_data, _) = tlv(explicit)? else {
        return None;
    };
    let mut certificates = Vec::new();
    while let Some((tag, content, rest)) = tlv(signed_data) {
        if tag == 0xa0 {
            let mut certs = content;
            while !certs.is_empty() && certificates.len() < MAX_CERTIFICATES {
                let Some((_, _, after)) = tlv(certs) else {
                    break;
                };
                let der = &certs[..certs.len() - after.len()];
                if let Some(certificate) = describe(der) {
                    certificates.push(certificate);
                }
                certs = after;
            }
        }
        signed_data = rest;
    }
    Some(certificates)
}

fn describe(der: &[u8]) -> Option<PeCertificate> {
    let (_, certificate) = X509Certificate::from_der(der).ok()?;
    let validity = certificate.validity();
    Some(PeCertificate {
        subject: openssl_name(certificate.subject()),
        issuer: openssl_name(certificate.issuer()),
        serial: certificate.raw_serial_as_string(),
        not_before: rfc3339(validity.not_before.timestamp()),
        not_after: rfc3339(validity.not_after.timestamp()),
        thumbprint_sha1: hex::encode(&Sha1::digest(der)),
    })
}

fn rfc3339(timestamp: i64) -> String {
    chrono::DateTime::from_timestamp(timestamp, 0)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// OpenSSL's one-line `/C=US/O=Example/CN=Name` form.
fn openssl_name(name: &X509Name<'_>) -> String {
    let mut text = String::new();
    for rdn in name.iter_rdn() {
        for attribute in rdn.iter() {
            let oid = attribute.attr_type().to_id_string();
            let short = match oid.as_str() {
                "2.5.4.3" => "CN",
                "2.5.4.6" => "C",
                "2.5.4.7" => "L",
                "2.5.4.8" => "ST",
                "2.5.4.9" => "street",
                "2.5.4.10" => "O",
                "2.5.4.11" => "OU",
                "2.5.4.5" => "serialNumber",
                "2.5.4.15" => "businessCategory",
                "2.5.4.17" => "postalCode",
                "1.2.840.113549.1.9.1" => "emailAddress",
                "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
                "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
                other => other,
            };
            let value = attribute.as_str().map_or_else(
                |_| String::from_utf8_lossy(attribute.attr_value().as_bytes()).into_owned(),
                str::to_owned,
            );
            text.push('/');
            text.push_str(short);
            text.push('=');
            text.push_str(&value);
        }
    }
    text
}
