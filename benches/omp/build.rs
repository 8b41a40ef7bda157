//! Compiles `src/omp.c` and `src/workloads.c` with OpenMP when the C compiler supports it,
//! without otherwise, and not at all without a C compiler.
//!
//! The probe compiles *and links* a small OpenMP program with the compiler `cc` picks, so a
//! compiler that accepts `-fopenmp` but has no OpenMP runtime to link also counts as "no
//! OpenMP". Without OpenMP, both files compile to stubs that report "unavailable", and the
//! benchmarks skip the OpenMP rows. `WORKSHARE_BENCH_NO_OPENMP=1` forces that path. Without a
//! working C compiler nothing is compiled: the build sets `cfg(workshare_bench_no_c)`, under which
//! `src/lib.rs` stands Rust stubs that report "unavailable" in for the C functions. Either way the
//! build prints one warning and succeeds, because `cargo test --workspace` builds this package.
//!
//! `workloads.c` (the workloads of the speed targets) is compiled with `-O3 -fno-math-errno`,
//! as rustc's optimized build compiles the Rust loops it is compared with: `sqrt` without
//! `errno` is what lets both compilers vectorize W1.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=src/omp.c");
    println!("cargo:rerun-if-changed=src/workloads.c");
    println!("cargo:rerun-if-env-changed=WORKSHARE_BENCH_NO_OPENMP");
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rerun-if-env-changed=CFLAGS");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let forced_off = std::env::var_os("WORKSHARE_BENCH_NO_OPENMP").is_some_and(|v| v != "0");
    let mut build = cc::Build::new();
    build.file("src/omp.c").opt_level(2).warnings(true);
    let mut workloads = cc::Build::new();
    workloads
        .file("src/workloads.c")
        .opt_level(3)
        .flag("-fno-math-errno")
        .warnings(true);
    println!("cargo:rustc-check-cfg=cfg(workshare_bench_no_c)");
    if !c_compiler_runs() {
        println!("cargo:warning=no C compiler: the C and OpenMP benchmark rows will be skipped");
        println!("cargo:rustc-cfg=workshare_bench_no_c");
        return;
    }
    let runtime = if forced_off {
        None
    } else {
        probe(&build, &out)
    };
    if runtime.is_some() {
        build.flag("-fopenmp");
        workloads.flag("-fopenmp");
    }
    let compiled = build
        .try_compile("workshare_bench_omp")
        .and_then(|()| workloads.try_compile("workshare_bench_omp_workloads"));
    if let Err(error) = compiled {
        let rows = "the C and OpenMP benchmark rows will be skipped";
        println!("cargo:warning=the C files do not compile ({error}): {rows}");
        println!("cargo:rustc-cfg=workshare_bench_no_c");
        return;
    }
    match &runtime {
        Some((lib, dir)) => {
            if let Some(dir) = dir {
                println!("cargo:rustc-link-search=native={}", dir.display());
            }
            println!("cargo:rustc-link-lib=dylib={lib}");
        }
        None => {
            println!("cargo:warning=OpenMP unavailable: the OpenMP benchmark rows will be skipped")
        }
    }
}

/// Whether the C compiler `cc` picks exists and runs (asked quietly: without one, `cc` would
/// print a warning for each question it is asked).
fn c_compiler_runs() -> bool {
    let compiler = cc::Build::new().cargo_warnings(false).try_get_compiler();
    compiler.is_ok_and(|c| {
        c.to_command()
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// The OpenMP runtime library to link (`gomp` for GCC, `omp` for Clang) and the directory the
/// compiler finds it in, if the compiler can build and link an OpenMP program.
fn probe(build: &cc::Build, out: &Path) -> Option<(&'static str, Option<PathBuf>)> {
    let compiler = build.try_get_compiler().ok()?;
    let lib = if compiler.is_like_clang() {
        "omp"
    } else if compiler.is_like_gnu() {
        "gomp"
    } else {
        return None;
    };
    let source = out.join("omp_probe.c");
    std::fs::write(
        &source,
        "#include <omp.h>\nint main(void) { int n = 0;\n#pragma omp parallel reduction(+:n)\n\
         n += omp_get_num_threads() > 0;\nreturn n > 0 ? 0 : 1; }\n",
    )
    .ok()?;
    let status = compiler
        .to_command()
        .arg("-fopenmp")
        .arg(&source)
        .arg("-o")
        .arg(out.join("omp_probe"))
        .output()
        .ok()?;
    if !status.status.success() {
        return None;
    }
    // Where the compiler's driver finds the runtime: rustc links with `cc`, which may not be
    // the same driver, so the directory is passed on explicitly when the compiler knows it.
    let file = format!("lib{lib}.so");
    let dir = compiler
        .to_command()
        .arg(format!("-print-file-name={file}"))
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| PathBuf::from(s.trim()))
        .filter(|p| p.is_absolute())
        .and_then(|p| p.parent().map(Path::to_path_buf));
    Some((lib, dir))
}
