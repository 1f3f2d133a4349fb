#!/usr/bin/env python3
"""Dump the PE facts nexus-engine reports, as pefile sees them, as JSON (one file per call).

Used by tests/engine/reference_tools.rs to compare the engine with pefile."""
import json
import sys

import pefile


def main(path):
    pe = pefile.PE(path)
    base = pe.OPTIONAL_HEADER.ImageBase
    imports = []
    for entry in getattr(pe, "DIRECTORY_ENTRY_IMPORT", []):
        imports.append({
            "library": entry.dll.decode("latin-1"),
            "functions": [
                {"name": imp.name.decode("latin-1") if imp.name else None,
                 "ordinal": imp.ordinal if not imp.name else None,
                 "iat_rva": imp.address - base}
                for imp in entry.imports
            ],
        })
    delayed = []
    for entry in getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", []):
        delayed.append({
            "library": entry.dll.decode("latin-1"),
            "functions": [imp.name.decode("latin-1") if imp.name else "ord%d" % imp.ordinal for imp in entry.imports],
        })
    exports = []
    if hasattr(pe, "DIRECTORY_ENTRY_EXPORT"):
        for symbol in pe.DIRECTORY_ENTRY_EXPORT.symbols:
            exports.append({
                "name": symbol.name.decode("latin-1") if symbol.name else None,
                "ordinal": symbol.ordinal,
                "rva": symbol.address,
                "forwarder": symbol.forwarder.decode("latin-1") if symbol.forwarder else None,
            })
    overlay = pe.get_overlay_data_start_offset()
    tls = []
    if hasattr(pe, "DIRECTORY_ENTRY_TLS"):
        callbacks_rva = pe.DIRECTORY_ENTRY_TLS.struct.AddressOfCallBacks - base
        size = 8 if pe.PE_TYPE == pefile.OPTIONAL_HEADER_MAGIC_PE_PLUS else 4
        for index in range(256):
            value = pe.get_qword_at_rva(callbacks_rva + index * size) if size == 8 else pe.get_dword_at_rva(callbacks_rva + index * size)
            if not value:
                break
            tls.append(value)
    print(json.dumps({
        "imphash": pe.get_imphash(),
        "machine": pe.FILE_HEADER.Machine,
        "timestamp": pe.FILE_HEADER.TimeDateStamp,
        "entry_point": pe.OPTIONAL_HEADER.AddressOfEntryPoint,
        "image_base": base,
        "subsystem": pe.OPTIONAL_HEADER.Subsystem,
        "checksum_stated": pe.OPTIONAL_HEADER.CheckSum,
        "checksum_computed": pe.generate_checksum(),
        "sections": [
            {"name": s.Name.rstrip(b"\0").decode("latin-1"), "virtual_address": s.VirtualAddress,
             "virtual_size": s.Misc_VirtualSize, "raw_size": s.SizeOfRawData, "raw_offset": s.PointerToRawData,
             "characteristics": s.Characteristics}
            for s in pe.sections
        ],
        "imports": imports,
        "delayed": delayed,
        "exports": exports,
        "overlay_offset": overlay,
        "tls_callbacks": tls,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
