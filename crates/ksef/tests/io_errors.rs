//! Issue 14: file-system failures are `Error::Io` with the path and the operating system's
//! error — never `InvalidInput` (which a CLI reports as a configuration problem).

use ksef::Error;
use ksef::retrieval::SyncState;
use ksef::sending::OnlineSessionState;

#[test]
fn a_state_file_that_cannot_be_written_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where a directory is needed: no state can be written below it.
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, b"x").unwrap();
    let target = blocker.join("sync.json");
    let err = SyncState::default().save(&target).unwrap_err();
    match &err {
        Error::Io { path, source } => {
            assert_eq!(path, &target);
            assert_ne!(source.kind(), std::io::ErrorKind::InvalidInput);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("not-a-directory"), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn a_missing_state_file_is_an_io_error_with_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    match OnlineSessionState::load(&missing).unwrap_err() {
        Error::Io { path, source } => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
}
