// Built-in rules shipped with nexus-engine (namespace "builtin"). They are deliberately few and
// high-precision: detections of well-known test files and packers. Bring real rulesets with
// `nexus analyze --rules DIR`.

rule eicar_test_file : test
{
    meta:
        description = "EICAR anti-malware test file"
        severity = "critical"
        mitre_attack = ""
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
    strings:
        $eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        $eicar at 0 and filesize < 130
}

rule upx_packed_pe : packer
{
    meta:
        description = "PE packed with UPX (section names and the UPX! marker)"
        severity = "medium"
        mitre_attack = "T1027.002"
    strings:
        $upx0 = "UPX0" ascii
        $upx1 = "UPX1" ascii
        $marker = "UPX!" ascii
    condition:
        uint16(0) == 0x5a4d and ($upx0 and $upx1) and $marker
}

rule powershell_download_cradle : script
{
    meta:
        description = "PowerShell that downloads and runs code in memory"
        severity = "high"
        mitre_attack = "T1059.001"
    strings:
        $download1 = "DownloadString" nocase ascii wide
        $download2 = "DownloadData" nocase ascii wide
        $invoke1 = "Invoke-Expression" nocase ascii wide
        $invoke2 = "IEX" ascii wide fullword
        $webclient = "Net.WebClient" nocase ascii wide
    condition:
        filesize < 5MB and $webclient and any of ($download*) and any of ($invoke*)
}
