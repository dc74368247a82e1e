//! Running `$EDITOR` on a temporary file while the dashboard steps aside.
//! The file is private to the user (mode 0600: a description may hold
//! anything) and removed afterwards, whatever happened.

use crate::app::Msg;
use crate::app::editor::EditorRequest;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs the editor and says what came of it, as the app's message.
pub fn run(req: &EditorRequest) -> Msg {
    let path = temp_path();
    let result = edit(req, &path);
    let _ = std::fs::remove_file(&path);
    match result {
        Ok(text) => Msg::EditorDone {
            text: Some(text),
            error: None,
        },
        Err(error) => Msg::EditorDone {
            text: None,
            error: Some(format!(
                "{error}; nothing was saved — edit the text here instead (Ctrl-s saves)"
            )),
        },
    }
}

fn temp_path() -> PathBuf {
    std::env::temp_dir().join(format!("ctodash-{}.md", uuid::Uuid::new_v4().simple()))
}

fn edit(req: &EditorRequest, path: &Path) -> Result<String, String> {
    write_private(path, &req.text)
        .map_err(|e| format!("could not write the temporary file {}: {e}", path.display()))?;
    // Through the shell, so an EDITOR with arguments ("code --wait") works.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{} \"$1\"", req.command))
        .arg("ctodash-editor")
        .arg(path)
        .status()
        .map_err(|e| format!("could not start $EDITOR ({}): {e}", req.command))?;
    if !status.success() {
        return Err(format!("$EDITOR ({}) exited with {status}", req.command));
    }
    std::fs::read_to_string(path)
        .map_err(|e| format!("could not read back {}: {e}", path.display()))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    if !text.is_empty() {
        file.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(command: &str, text: &str) -> EditorRequest {
        EditorRequest {
            command: command.into(),
            text: text.into(),
        }
    }

    #[test]
    fn the_editor_gets_the_text_and_its_changes_come_back() {
        // An "editor" that appends a line to the file it is given.
        let msg = run(&request("sh -c 'echo appended >> \"$0\"'", "first"));
        match msg {
            Msg::EditorDone {
                text: Some(t),
                error: None,
            } => assert_eq!(t, "first\nappended\n"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_failing_editor_saves_nothing_and_says_so() {
        match run(&request("false", "keep me")) {
            Msg::EditorDone {
                text: None,
                error: Some(e),
            } => assert!(
                e.contains("exited with") && e.contains("nothing was saved"),
                "{e}"
            ),
            other => panic!("{other:?}"),
        }
    }
}
