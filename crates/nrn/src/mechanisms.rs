//! Compiling NMODL files with NEURON's `nrnivmodl` into a per-user cache, keyed by NEURON
//! version and the sources' digest. Several processes (MPI ranks) may compile the same
//! sources at once: each builds in a folder of its own and the first to finish publishes
//! it with an atomic rename.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::{NrnError, Result};

/// Where compiled mechanisms are kept: `$PATCH_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/patch/mechanisms`, else `~/.cache/patch/mechanisms`; without a home,
/// a folder of this user's in the system's temporary folder.
pub fn default_cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("PATCH_CACHE_DIR").filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")));
    match cache {
        Some(cache) => cache.join("patch").join("mechanisms"),
        None => std::env::temp_dir().join(format!("patch-mechanisms-{}", current_user())),
    }
}

fn current_user() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// Refuses a folder of the cache that another user owns or may write to: on a shared
/// machine they could put a library there that this process would load and run.
fn check_private(folder: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let metadata =
        std::fs::metadata(folder).map_err(|error| io_error("inspect", folder, &error))?;
    if metadata.uid() != current_user() || metadata.mode() & 0o022 != 0 {
        return Err(NrnError::MechanismBuild(format!(
            "the mechanism cache {} belongs to another user or others may write to it, so a \
             library there could have been planted: use a folder of your own \
             (PATCH_CACHE_DIR) that only you can write to",
            folder.display()
        )));
    }
    Ok(())
}

/// Makes `folder` (and what leads to it) if needed, writable by this user only.
fn make_private_folder(folder: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
        .map_err(|error| io_error("create", folder, &error))
}

/// Compiles NMODL files with one `nrnivmodl` for one NEURON version.
#[derive(Debug, Clone)]
pub struct MechanismCompiler {
    pub nrnivmodl: PathBuf,
    pub neuron_version: String,
    pub cache_root: PathBuf,
}

/// What a compilation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `libnrnmech.so`, for NEURON.
    Neuron,
    /// `libcorenrnmech.so` (`nrnivmodl -coreneuron`): CoreNEURON's built-ins and these.
    CoreNeuron,
}

impl Target {
    fn library_name(self) -> &'static str {
        match self {
            Target::Neuron => "libnrnmech.so",
            Target::CoreNeuron => "libcorenrnmech.so",
        }
    }
}

impl MechanismCompiler {
    /// The `libnrnmech.so` built from `mod_files`, compiled now unless cached.
    pub fn compile(&self, mod_files: &[PathBuf]) -> Result<PathBuf> {
        self.compile_for(mod_files, Target::Neuron)
    }

    /// The library built from `mod_files` for `target`, compiled now unless cached. Each
    /// target has its own folder in the cache, so NEURON's library is never rebuilt for
    /// CoreNEURON's.
    pub fn compile_for(&self, mod_files: &[PathBuf], target_kind: Target) -> Result<PathBuf> {
        if mod_files.is_empty() {
            return Err(NrnError::MechanismBuild(
                "there are no .mod files to compile".to_string(),
            ));
        }
        let sources = read_sources(mod_files)?;
        let version_dir = self.cache_root.join(sanitize(&self.neuron_version));
        let target = version_dir.join(match target_kind {
            Target::Neuron => digest(&sources),
            Target::CoreNeuron => format!("{}-coreneuron", digest(&sources)),
        });
        let library_name = target_kind.library_name();
        make_private_folder(&version_dir)?;
        check_private(&self.cache_root)?;
        check_private(&version_dir)?;
        if let Some(library) = find_library(&target, library_name) {
            check_private(&target)?;
            return Ok(library);
        }
        let building = version_dir.join(format!(
            ".building-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos())
        ));
        let result = self
            .build_in(&building, &sources, target_kind)
            .and_then(|()| publish(&building, &target, library_name));
        let _ = std::fs::remove_dir_all(&building);
        result?;
        check_private(&target)?;
        find_library(&target, library_name).ok_or_else(|| {
            NrnError::MechanismBuild(format!(
                "nrnivmodl made no {library_name} in {}",
                target.display()
            ))
        })
    }

    fn build_in(&self, folder: &Path, sources: &[(String, Vec<u8>)], target: Target) -> Result<()> {
        make_private_folder(folder)?;
        for (name, content) in sources {
            let file = folder.join(name);
            std::fs::write(&file, content).map_err(|error| io_error("write", &file, &error))?;
        }
        // A path is checked before spawning: where the spawn is emulated (valgrind), a
        // missing program shows up only as a failed child. A bare name is looked up on PATH.
        let is_path = self.nrnivmodl.components().count() > 1;
        let runnable = if is_path && !self.nrnivmodl.is_file() {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        } else {
            Ok(())
        };
        let output = runnable
            .and_then(|()| {
                let mut command = Command::new(&self.nrnivmodl);
                if target == Target::CoreNeuron {
                    command.arg("-coreneuron");
                }
                // Importing `neuron.nmodl` sets NMODLHOME to a folder without NMODL's
                // units file (NEURON 9.0.2), and nrnivmodl keeps what it finds set: the
                // CoreNEURON translation then aborts. nrnivmodl's own choice is right.
                if std::env::var_os("NMODLHOME").is_some_and(|home| {
                    !Path::new(&home).join("share/nmodl/nrnunits.lib").is_file()
                }) {
                    command.env_remove("NMODLHOME");
                }
                command.arg(".").current_dir(folder).output()
            })
            .map_err(|error| {
                NrnError::MechanismBuild(format!(
                    "could not run {}: {error}. nrnivmodl comes with `pip install neuron`; \
                     make sure the environment's bin folder is there",
                    self.nrnivmodl.display()
                ))
            })?;
        if output.status.success() && find_library(folder, target.library_name()).is_some() {
            return Ok(());
        }
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Err(NrnError::MechanismBuild(build_failure_message(&printed)))
    }
}

/// nrnivmodl's output, shortened to its end, with advice for the usual cause.
fn build_failure_message(printed: &str) -> String {
    let lines: Vec<&str> = printed.lines().collect();
    let tail = lines[lines.len().saturating_sub(15)..].join("\n");
    // A missing tool shows up as one line naming it and saying it is not there.
    let missing_tool = printed.lines().map(str::to_lowercase).any(|line| {
        ["not found", "no such file", "command not found"]
            .iter()
            .any(|sign| line.contains(sign))
            && ["c++", "g++", "gcc", "cc:", "make:"]
                .iter()
                .any(|tool| line.contains(tool))
    });
    let advice = if missing_tool {
        "nrnivmodl needs a C/C++ compiler and make: install them (Debian: apt-get install g++ make)"
    } else {
        "check the .mod files: nrnivmodl's report is above"
    };
    format!("compiling the mechanisms failed:\n{tail}\n{advice}")
}

fn read_sources(mod_files: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut sources = Vec::with_capacity(mod_files.len());
    for file in mod_files {
        let name = file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .filter(|_| file.extension().is_some_and(|extension| extension == "mod"))
            .ok_or_else(|| {
                NrnError::InvalidArgument(format!("{} is not a .mod file", file.display()))
            })?;
        let content = std::fs::read(file).map_err(|error| io_error("read", file, &error))?;
        sources.push((name, content));
    }
    sources.sort();
    Ok(sources)
}

fn digest(sources: &[(String, Vec<u8>)]) -> String {
    let mut hasher = Sha256::new();
    for (name, content) in sources {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(content);
    }
    hasher
        .finalize()
        .iter()
        .take(12)
        .fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Moves a finished build into place; losing the race to another process is fine.
fn publish(building: &Path, target: &Path, library_name: &str) -> Result<()> {
    match std::fs::rename(building, target) {
        Ok(()) => Ok(()),
        Err(_) if find_library(target, library_name).is_some() => Ok(()),
        Err(error) => Err(io_error("move into place", target, &error)),
    }
}

/// `<folder>/<architecture>/<library_name>`.
fn find_library(folder: &Path, library_name: &str) -> Option<PathBuf> {
    std::fs::read_dir(folder)
        .ok()?
        .filter_map(std::result::Result::ok)
        .map(|entry| entry.path().join(library_name))
        .find(|library| library.is_file())
}

fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn io_error(action: &str, path: &Path, error: &std::io::Error) -> NrnError {
    NrnError::MechanismBuild(format!("could not {action} {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_folders_others_may_write_to_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let folder = std::env::temp_dir().join(format!("patch-private-{}", std::process::id()));
        make_private_folder(&folder).unwrap();
        assert!(check_private(&folder).is_ok());
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
        let refused = check_private(&folder).unwrap_err().to_string();
        assert!(refused.contains("PATCH_CACHE_DIR"), "{refused}");
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn digest_depends_on_names_and_contents() {
        let one = digest(&[("a.mod".into(), b"x".to_vec())]);
        assert_eq!(one, digest(&[("a.mod".into(), b"x".to_vec())]));
        assert_ne!(one, digest(&[("b.mod".into(), b"x".to_vec())]));
        assert_ne!(one, digest(&[("a.mod".into(), b"y".to_vec())]));
        assert_eq!(one.len(), 24);
    }

    #[test]
    fn a_missing_compiler_gets_advice() {
        let other = build_failure_message(
            "what(): Could not find nrnunits.lib\nmake: *** [x.cpp] Error 134\ndiff: x: No such file\n",
        );
        assert!(other.contains("check the .mod files"));
        let message = build_failure_message("make: g++: Command not found\n");
        assert!(message.contains("apt-get install g++"), "{message}");
        let message = build_failure_message("syntax error at line 3\n");
        assert!(message.contains("check the .mod files"), "{message}");
    }

    #[test]
    fn versions_become_folder_names() {
        assert_eq!(sanitize("9.0.2+dev/x"), "9.0.2_dev_x");
    }

    #[test]
    fn no_files_and_wrong_files_are_errors() {
        let compiler = MechanismCompiler {
            nrnivmodl: "nrnivmodl".into(),
            neuron_version: "9".into(),
            cache_root: std::env::temp_dir(),
        };
        assert!(compiler.compile(&[]).is_err());
        assert!(compiler
            .compile(&[PathBuf::from("/nonexistent/a.txt")])
            .is_err());
    }
}
