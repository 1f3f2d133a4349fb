//! Side-by-side benchmarks against the tools people would otherwise chain together. Each section
//! measures the engine and the reference tool in the same run, on the same inputs, and prints the
//! ratio (reference time / engine time). Run with:
//!
//! ```text
//! cargo bench -p nexus-engine --bench engine            # all three
//! cargo bench -p nexus-engine --bench engine -- hashes  # one of: hashes, yara, parse
//! ```
//!
//! Needs the reference tools from `scripts/engine-tools.sh`. Results and method: docs/PERFORMANCE.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nexus_engine::{EngineConfig, RuleSet, hashes, pe};

/// Repetitions per measurement; the median is reported.
const ROUNDS: usize = 3;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(mut work: impl FnMut()) -> Duration {
    work(); // warm-up (page cache, lazy statics)
    median(
        (0..ROUNDS)
            .map(|_| {
                let started = Instant::now();
                work();
                started.elapsed()
            })
            .collect(),
    )
}

fn shell(script: &str) {
    let status = Command::new("bash")
        .arg("-c")
        .arg(script)
        .status()
        .unwrap_or_else(|error| panic!("bash: {error}"));
    assert!(
        status.success(),
        "`{script}` failed; install the reference tools with scripts/engine-tools.sh"
    );
}

fn report(name: &str, ours: Duration, theirs: Duration, reference: &str) {
    let ratio = theirs.as_secs_f64() / ours.as_secs_f64();
    println!(
        "{name:<8} nexus-engine {:>9.1} ms   {reference} {:>9.1} ms   ratio {ratio:.2}x",
        ours.as_secs_f64() * 1e3,
        theirs.as_secs_f64() * 1e3
    );
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nexus-engine-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// 100 MB mixing incompressible and repetitive regions, like real binaries.
fn sample_100mb(dir: &Path) -> PathBuf {
    let path = dir.join("sample-100mb.bin");
    let mut state: u64 = 0x0123_4567_89ab_cdef;
    let mut bytes = Vec::with_capacity(100 * 1024 * 1024);
    while bytes.len() < 100 * 1024 * 1024 {
        for _ in 0..65_536 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push(state as u8);
        }
        bytes.extend(b"MZ\x90\x00 kernel32.dll GetProcAddress http://example.com/ ".repeat(512));
    }
    bytes.truncate(100 * 1024 * 1024);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn bench_hashes(dir: &Path) {
    let path = sample_100mb(dir);
    let file = path.to_str().unwrap();
    let ours = time(|| {
        let bytes = std::fs::read(&path).unwrap();
        let digests = hashes::compute(&bytes);
        assert!(digests.ssdeep.is_some() && digests.tlsh.is_some());
    });
    let chain = format!(
        "md5sum {file} >/dev/null; sha1sum {file} >/dev/null; sha256sum {file} >/dev/null; ssdeep {file} >/dev/null; tlsh -f {file} >/dev/null"
    );
    let theirs = time(|| shell(&chain));
    report(
        "hashes",
        ours,
        theirs,
        "md5sum;sha1sum;sha256sum;ssdeep;tlsh",
    );
    if std::env::var_os("NEXUS_BENCH_DETAIL").is_some() {
        let bytes = std::fs::read(&path).unwrap();
        let ssdeep = time(|| drop(std::hint::black_box(hashes::ssdeep(&bytes))));
        let tlsh = time(|| drop(std::hint::black_box(hashes::tlsh(&bytes))));
        println!(
            "  detail: ssdeep {:.1} ms, tlsh {:.1} ms",
            ssdeep.as_secs_f64() * 1e3,
            tlsh.as_secs_f64() * 1e3
        );
    }
}

/// The repository's binary fixtures (`fixtures/binaries` at the root; see fixtures/README.md).
fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/binaries")
}

/// The PE corpus: the repository's fixtures plus the mingw-w64 samples.
fn pe_corpus(dir: &Path) -> Vec<PathBuf> {
    let mingw = dir.join("mingw");
    shell(&format!(
        "bash {}/tests/data/mingw/build.sh {} >/dev/null 2>&1",
        env!("CARGO_MANIFEST_DIR"),
        mingw.display()
    ));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.extend(
        std::fs::read_dir(&mingw)
            .unwrap()
            .map(|entry| entry.unwrap().path()),
    );
    paths.retain(|path| std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"MZ")));
    // weird_rich is refused by pefile; keep the comparison like for like.
    paths.retain(|path| !path.ends_with("weird_rich"));
    paths.sort();
    paths
}

fn bench_parse(dir: &Path) {
    let corpus = pe_corpus(dir);
    let files: Vec<Vec<u8>> = corpus
        .iter()
        .map(|path| std::fs::read(path).unwrap())
        .collect();
    let iterations = 200;
    let config = EngineConfig::default();
    let ours = time(|| {
        for _ in 0..iterations {
            for bytes in &files {
                let parsed = pe::analyze(bytes, &config).unwrap();
                std::hint::black_box(pe::imphash(&parsed.imports));
            }
        }
    });
    // pefile parses everything (full_load) and computes the imphash, timed inside Python so the
    // interpreter's start-up is not counted against it.
    let list = corpus
        .iter()
        .map(|path| format!("{:?}", path.display().to_string()))
        .collect::<Vec<_>>()
        .join(",");
    let script = format!(
        "import pefile,time\nfiles=[open(p,'rb').read() for p in [{list}]]\nbest=[]\nfor _ in range({rounds}):\n  t=time.perf_counter()\n  for _ in range({iterations}):\n    for d in files:\n      pe=pefile.PE(data=d, fast_load=False); pe.get_imphash()\n  best.append(time.perf_counter()-t)\nbest.sort(); print(best[len(best)//2])\n",
        rounds = ROUNDS
    );
    let output = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pefile benchmark failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seconds: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap();
    println!("parse    {} PE files x {iterations}", corpus.len());
    report(
        "parse",
        ours,
        Duration::from_secs_f64(seconds),
        "pefile (full load + imphash)",
    );
}

/// A ruleset in the style of public collections: text, wide, nocase and hex strings, plus the pe
/// module; the same file is given to both engines.
fn ruleset() -> String {
    let mut rules = String::from("import \"pe\"\n");
    let words = [
        "VirtualAllocEx",
        "WriteProcessMemory",
        "CreateRemoteThread",
        "URLDownloadToFile",
        "InternetOpenUrl",
        "cmd.exe /c",
        "powershell -enc",
        "SeDebugPrivilege",
        "Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run",
        "vssadmin delete shadows",
        "bcdedit /set",
        "mimikatz",
        "sekurlsa",
        "IsDebuggerPresent",
        "GetAsyncKeyState",
        "SetWindowsHookEx",
        "CryptEncrypt",
        "WSAStartup",
        "WinExec",
        "ShellExecute",
    ];
    for (index, word) in words.iter().enumerate() {
        rules.push_str(&format!(
            "rule text_{index} {{ strings: $a = \"{word}\" ascii wide nocase $b = \"{word}\" fullword condition: any of them }}\n"
        ));
    }
    for index in 0..20 {
        let byte = 0x40 + index;
        rules.push_str(&format!(
            "rule hex_{index} {{ strings: $h = {{ 55 8B EC 83 EC {byte:02X} ?? ?? 68 }} $j = {{ E8 ?? ?? ?? ?? 85 C0 74 {byte:02X} }} condition: any of them }}\n"
        ));
    }
    rules.push_str(
        "rule pe_small_imports { condition: uint16(0) == 0x5a4d and pe.number_of_imports < 3 }\n",
    );
    rules.push_str("rule pe_dll { condition: uint16(0) == 0x5a4d and pe.is_dll() }\n");
    rules.push_str(
        "rule pe_upx { condition: for any section in pe.sections : (section.name == \"UPX0\") }\n",
    );
    rules
}

fn bench_yara(dir: &Path) {
    // Corpus: fixtures and mingw samples plus the 100 MB sample, so throughput dominates.
    let corpus_dir = dir.join("yara-corpus");
    std::fs::create_dir_all(&corpus_dir).unwrap();
    for path in pe_corpus(dir) {
        std::fs::copy(&path, corpus_dir.join(path.file_name().unwrap())).unwrap();
    }
    let big = dir.join("sample-100mb.bin");
    if !big.exists() {
        sample_100mb(dir);
    }
    std::fs::copy(&big, corpus_dir.join("sample-100mb.bin")).unwrap();
    let rules_text = ruleset();
    let rules_path = dir.join("bench.yar");
    std::fs::write(&rules_path, &rules_text).unwrap();
    let files: Vec<PathBuf> = std::fs::read_dir(&corpus_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();

    // Both sides scan with precompiled rules: yara-x compiles once up front, libyara loads the
    // output of `yarac`. Compilation is reported separately.
    let compile_started = Instant::now();
    let rules = RuleSet::from_sources([("bench", rules_text.as_str())]).unwrap();
    let our_compile = compile_started.elapsed();
    let compiled_path = dir.join("bench.yarc");
    let yarac_started = Instant::now();
    shell(&format!(
        "yarac {} {}",
        rules_path.display(),
        compiled_path.display()
    ));
    let their_compile = yarac_started.elapsed();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let ours = time(|| {
        std::thread::scope(|scope| {
            for worker in 0..threads {
                let (rules, files) = (&rules, &files);
                scope.spawn(move || {
                    for path in files.iter().skip(worker).step_by(threads) {
                        // Mapped in place, as `yara` does (RuleSet::scan_file).
                        std::hint::black_box(
                            rules.scan_file(path, Duration::from_secs(60), 16).unwrap(),
                        );
                    }
                });
            }
        });
    });
    let theirs = time(|| {
        shell(&format!(
            "yara -C -p {threads} -r {} {} >/dev/null",
            compiled_path.display(),
            corpus_dir.display()
        ))
    });
    println!(
        "yara     compile: yara-x {:.1} ms, yarac {:.1} ms (process included)",
        our_compile.as_secs_f64() * 1e3,
        their_compile.as_secs_f64() * 1e3
    );
    println!(
        "yara     {} files, {} rules, {threads} threads each",
        files.len(),
        rules_text.matches("rule ").count()
    );
    report("yara", ours, theirs, "yara -C -r (libyara 4.2)");
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|argument| !argument.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|wanted| wanted == name);
    let dir = scratch();
    if wanted("hashes") {
        bench_hashes(&dir);
    }
    if wanted("yara") {
        bench_yara(&dir);
    }
    if wanted("parse") {
        bench_parse(&dir);
    }
    std::fs::remove_dir_all(&dir).ok();
}
